"""The Receiving tab: a scanner-first board against a purchase order or unplanned, its scan
journal, the posted deliveries, and Find serial."""
