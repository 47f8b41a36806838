"""The Alerts tab: stock alerts by urgency, why each was raised, and turning them into
purchase orders."""
