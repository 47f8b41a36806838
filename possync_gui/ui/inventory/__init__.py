"""The Inventory tab: the stock list, search and filters, the product detail panel."""
