"""The Purchase Orders tab: orders by status, their lines, approval, sending and export."""
