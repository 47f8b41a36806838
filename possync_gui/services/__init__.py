"""The components of DESIGN.md §1 and the facade that orchestrates them; asyncio, no Qt."""
