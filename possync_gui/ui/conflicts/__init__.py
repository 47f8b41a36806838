"""The Conflicts tab: disagreements between a POS and the warehouse, settled by a person."""
