"""The demo store's vocabulary: categories, the items each sells, and the four suppliers.

Data only. Costs are (low, high) ranges in the store's currency; an item whose range starts
at 500 or more is high-value and goes to manual conflict review. The mix is tuned so that a
catalog comes out roughly 5% serialized and 4% high-value (see ``catalog.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product


@dataclass(frozen=True, slots=True)
class Item:
    """One kind of product a category sells, and the variants it comes in."""

    noun: str
    variants: tuple[str, ...]
    cost: tuple[float, float]
    serialized: bool = False
    #: How often the item appears relative to its department's other items.
    weight: float = 1.0
    #: Words that may come before the noun; the department's when empty.
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Category:
    """A department: SKU prefix, share of the catalog, name parts and supplier terms."""

    code: str
    weight: float
    qualifiers: tuple[str, ...]
    items: tuple[Item, ...]
    #: Pack sizes suppliers ship this department's goods in.
    packs: tuple[int, ...]
    #: GS1 prefixes the department's barcodes start with (3 digits).
    gs1_prefixes: tuple[str, ...]
    #: Weight of each supplier (in ``SUPPLIERS`` order) as the preferred one.
    supplier_weights: tuple[float, ...]
    #: Scales the department's sales rate: groceries sell faster than hinges.
    velocity: float


@dataclass(frozen=True, slots=True)
class SupplierDef:
    """One of the demo suppliers; ``lead_time`` is its usual delivery time in days."""

    code: str
    name: str
    sku_prefix: str
    lead_time: int
    email: str
    phone: str


SUPPLIERS: tuple[SupplierDef, ...] = (
    SupplierDef(
        "supplier-abc",
        "ABC Wholesale Supply",
        "ABC",
        5,
        "orders@abc-wholesale.example",
        "+1 555 0100",
    ),
    SupplierDef(
        "supplier-northwind",
        "Northwind Traders",
        "NWT",
        9,
        "purchasing@northwind.example",
        "+1 555 0142",
    ),
    SupplierDef(
        "supplier-contoso",
        "Contoso Electronics Distribution",
        "CTS",
        4,
        "sales@contoso-distribution.example",
        "+1 555 0177",
    ),
    SupplierDef(
        "supplier-globex", "Globex Trading Co.", "GBX", 12, "trade@globex.example", "+1 555 0199"
    ),
)

_HARDWARE_SIZES = ("25mm", "40mm", "50mm", "75mm", "M6", "M8", "Pack of 20", "Pack of 100")

HARDWARE = Category(
    code="HW",
    weight=0.24,
    qualifiers=("Stainless Steel", "Galvanized", "Brass", "Zinc-Plated", "Heavy-Duty", "Black"),
    items=(
        Item("Wood Screws", _HARDWARE_SIZES, (2.0, 12.0)),
        Item("Hex Bolts", _HARDWARE_SIZES, (2.5, 14.0)),
        Item(
            "Wall Anchors",
            ("6mm", "8mm", "10mm", "Pack of 50"),
            (1.5, 9.0),
            qualifiers=("Nylon", "Heavy-Duty", "Plasterboard"),
        ),
        Item("Cabinet Hinges", ("Pair", "Pack of 4", "35mm"), (3.0, 18.0)),
        Item("Shelf Brackets", ("150mm", "200mm", "250mm", "Pair"), (2.0, 11.0)),
        Item("Padlock", ("40mm", "50mm", "Keyed Alike"), (6.0, 28.0)),
        Item("Claw Hammer", ("16oz", "20oz"), (9.0, 32.0), qualifiers=("", "Fibreglass", "Steel")),
        Item(
            "Tape Measure",
            ("5m", "8m", "10m"),
            (5.0, 22.0),
            qualifiers=("", "Heavy-Duty", "Compact"),
        ),
        Item(
            "Cable Ties",
            ("200mm", "300mm", "Pack of 100"),
            (1.5, 8.0),
            qualifiers=("Nylon", "Heavy-Duty", "Black"),
        ),
        Item(
            "Spirit Level",
            ("600mm", "1200mm"),
            (8.0, 40.0),
            qualifiers=("", "Aluminium", "Magnetic"),
        ),
        Item(
            "Combination Wrench Set",
            ("8 Piece", "12 Piece"),
            (15.0, 70.0),
            qualifiers=("Chrome Vanadium", "Metric", "Imperial"),
        ),
        Item("Chain", ("5mm x 2m", "8mm x 5m"), (6.0, 35.0)),
        Item(
            "Cordless Drill",
            ("18V", "18V Kit", "12V"),
            (60.0, 240.0),
            True,
            0.15,
            qualifiers=("", "Brushless", "Compact"),
        ),
        Item(
            "Portable Generator",
            ("2kW", "3.5kW"),
            (520.0, 1400.0),
            True,
            0.15,
            qualifiers=("", "Inverter", "Quiet"),
        ),
    ),
    packs=(1, 6, 12, 24),
    gs1_prefixes=("400", "539", "871"),
    supplier_weights=(0.6, 0.1, 0.05, 0.25),
    velocity=0.8,
)

HOUSEHOLD = Category(
    code="HH",
    weight=0.22,
    qualifiers=("",),
    items=(
        Item(
            "Water Bottle",
            ("500ml", "750ml", "1L"),
            (4.0, 18.0),
            qualifiers=("Stainless Steel", "Insulated", "Glass", "Sports"),
        ),
        Item(
            "Mixing Bowl",
            ("20cm", "24cm", "Set of 3"),
            (4.0, 22.0),
            qualifiers=("Stainless Steel", "Glass", "Ceramic"),
        ),
        Item(
            "Frying Pan",
            ("24cm", "28cm"),
            (9.0, 45.0),
            qualifiers=("Non-Stick", "Cast Iron", "Stainless Steel"),
        ),
        Item(
            "Storage Jar",
            ("500ml", "1L", "Set of 4"),
            (2.5, 16.0),
            qualifiers=("Glass", "Airtight", "Ceramic"),
        ),
        Item(
            "Cutting Board",
            ("Small", "Large", "Set of 2"),
            (4.0, 25.0),
            qualifiers=("Bamboo", "Oak", "Non-Slip"),
        ),
        Item(
            "Coffee Mug",
            ("350ml", "Set of 4"),
            (2.0, 14.0),
            qualifiers=("Ceramic", "Enamel", "Insulated"),
        ),
        Item(
            "Lunch Box",
            ("800ml", "1.2L"),
            (3.0, 15.0),
            qualifiers=("Bamboo", "Stainless Steel", "Leak-Proof"),
        ),
        Item(
            "Saucepan",
            ("16cm", "20cm"),
            (10.0, 48.0),
            qualifiers=("Non-Stick", "Stainless Steel", "Copper"),
        ),
        Item(
            "Baking Tray",
            ("30cm", "40cm"),
            (4.0, 18.0),
            qualifiers=("Non-Stick", "Aluminium", "Silicone"),
        ),
        Item(
            "Dish Towels",
            ("Set of 3", "Set of 5"),
            (3.0, 12.0),
            qualifiers=("Cotton", "Microfibre", "Linen"),
        ),
        Item(
            "Soap Dispenser",
            ("250ml", "400ml"),
            (3.0, 16.0),
            qualifiers=("Ceramic", "Glass", "Bamboo"),
        ),
        Item(
            "Espresso Machine",
            ("15 Bar", "Dual Boiler"),
            (540.0, 1600.0),
            True,
            0.2,
            qualifiers=("", "Stainless Steel", "Compact"),
        ),
    ),
    packs=(1, 6, 12),
    gs1_prefixes=("500", "590", "800"),
    supplier_weights=(0.4, 0.2, 0.05, 0.35),
    velocity=0.9,
)

ELECTRONICS = Category(
    code="EL",
    weight=0.19,
    qualifiers=("", "", "Braided", "Premium"),  # cables; other items bring their own
    items=(
        Item("USB-C Cable", ("1m", "2m", "3m"), (2.0, 12.0)),
        Item("HDMI Cable", ("1.5m", "3m", "5m"), (3.0, 15.0)),
        Item("Wall Charger", ("20W", "45W", "65W"), (6.0, 30.0), qualifiers=("", "Compact", "GaN")),
        Item(
            "Power Bank", ("10000mAh", "20000mAh"), (12.0, 40.0), qualifiers=("", "Slim", "Rugged")
        ),
        Item(
            "Wireless Mouse", ("Black", "Grey"), (8.0, 35.0), qualifiers=("", "Ergonomic", "Silent")
        ),
        Item(
            "AA Batteries",
            ("Pack of 4", "Pack of 12"),
            (2.0, 10.0),
            qualifiers=("Alkaline", "Rechargeable"),
        ),
        Item("Wireless Earbuds", ("Black", "White"), (18.0, 90.0), qualifiers=("", "Sport")),
        Item(
            "Bluetooth Speaker",
            ("Mini", "Portable", "Outdoor"),
            (15.0, 120.0),
            qualifiers=("", "Waterproof"),
        ),
        Item(
            "Noise-Cancelling Headphones",
            ("Black", "Silver"),
            (60.0, 260.0),
            True,
            0.25,
            qualifiers=("", "Over-Ear", "On-Ear"),
        ),
        Item("Webcam", ("1080p", "4K"), (25.0, 140.0), weight=0.25, qualifiers=("", "Pro")),
        Item(
            "Wi-Fi Router", ("AX1800", "AX3000"), (40.0, 190.0), True, 0.25, qualifiers=("", "Mesh")
        ),
        Item(
            "Laptop",
            ("13in 16GB", "15in 16GB", "14in 32GB"),
            (560.0, 2200.0),
            True,
            0.62,
            qualifiers=("", "Ultralight", "Business"),
        ),
        Item("Smartphone", ("128GB", "256GB"), (510.0, 1100.0), True, 0.62, qualifiers=("", "Pro")),
        Item(
            "Monitor",
            ("27in 4K", "32in 4K"),
            (500.0, 980.0),
            True,
            0.62,
            qualifiers=("", "Curved", "IPS"),
        ),
    ),
    packs=(1, 6, 12),
    gs1_prefixes=("690", "880", "471"),
    supplier_weights=(0.05, 0.05, 0.8, 0.1),
    velocity=1.0,
)

GROCERY = Category(
    code="GR",
    weight=0.2,
    qualifiers=("",),
    items=(
        Item(
            "Basmati Rice",
            ("1kg", "2kg", "5kg"),
            (1.5, 9.0),
            qualifiers=("Organic", "Long Grain", ""),
        ),
        Item(
            "Olive Oil",
            ("500ml", "1L"),
            (3.5, 12.0),
            qualifiers=("Extra Virgin", "Organic", "Light"),
        ),
        Item(
            "Rolled Oats",
            ("500g", "1kg"),
            (0.9, 4.0),
            qualifiers=("Organic", "Gluten-Free", "Jumbo"),
        ),
        Item(
            "Ground Coffee",
            ("250g", "500g", "1kg"),
            (3.0, 14.0),
            qualifiers=("Fair Trade", "Organic", "Dark Roast", "Decaf"),
        ),
        Item(
            "Green Tea",
            ("20 Bags", "50 Bags"),
            (1.5, 6.0),
            qualifiers=("Organic", "Jasmine", "Sencha"),
        ),
        Item(
            "Peanut Butter",
            ("340g", "1kg"),
            (1.8, 6.5),
            qualifiers=("Crunchy", "Smooth", "Organic"),
        ),
        Item(
            "Spaghetti",
            ("500g", "1kg"),
            (0.8, 3.0),
            qualifiers=("Whole Wheat", "Gluten-Free", "Organic", ""),
        ),
        Item("Honey", ("250g", "500g"), (2.5, 9.0), qualifiers=("Raw", "Manuka", "Organic")),
        Item(
            "Dark Chocolate",
            ("100g", "200g"),
            (0.9, 3.5),
            qualifiers=("Fair Trade", "Organic", "Sea Salt"),
        ),
        Item(
            "Sparkling Water", ("6 x 500ml", "1.5L"), (1.0, 4.0), qualifiers=("", "Lemon", "Lime")
        ),
        Item("Almonds", ("200g", "500g"), (2.5, 9.0), qualifiers=("Roasted", "Raw", "Salted")),
        Item(
            "Chopped Tomatoes",
            ("400g", "4 x 400g"),
            (0.5, 3.0),
            qualifiers=("Organic", "Italian", ""),
        ),
    ),
    packs=(6, 12, 24),
    gs1_prefixes=("500", "760", "840"),
    supplier_weights=(0.05, 0.85, 0.0, 0.1),
    velocity=2.2,
)

_APPAREL_VARIANTS = tuple(
    f"{colour} {size}"
    for colour, size in product(("Navy", "Black", "Grey", "Olive", "White"), ("S", "M", "L", "XL"))
)

APPAREL = Category(
    code="AP",
    weight=0.15,
    qualifiers=tuple(
        f"{who} {material}"
        for who, material in product(
            ("Men's", "Women's", "Unisex"), ("Cotton", "Merino", "Linen", "Fleece")
        )
    ),
    items=(
        Item("T-Shirt", _APPAREL_VARIANTS, (3.0, 12.0)),
        Item("Hoodie", _APPAREL_VARIANTS, (12.0, 35.0)),
        Item("Socks 3 Pack", _APPAREL_VARIANTS, (2.0, 8.0)),
        Item("Polo Shirt", _APPAREL_VARIANTS, (7.0, 22.0)),
        Item("Sweater", _APPAREL_VARIANTS, (14.0, 45.0)),
        Item(
            "Beanie",
            ("Navy", "Black", "Grey"),
            (3.0, 10.0),
            qualifiers=("Merino", "Fleece", "Knitted"),
        ),
        Item(
            "Work Gloves",
            ("M", "L", "XL"),
            (3.0, 14.0),
            qualifiers=("Leather", "Nitrile-Coated", "Insulated"),
        ),
    ),
    packs=(1, 6, 12),
    gs1_prefixes=("350", "560", "869"),
    supplier_weights=(0.05, 0.05, 0.0, 0.9),
    velocity=0.7,
)

CATEGORIES: tuple[Category, ...] = (HARDWARE, HOUSEHOLD, ELECTRONICS, GROCERY, APPAREL)
