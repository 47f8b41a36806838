"""Custom stock sources described by a field mapping: a JSON REST source
(:class:`CustomAdapter`) and a CSV file (:class:`CsvFileAdapter`); DESIGN.md §10."""

from possync_gui.pos.custom.adapter import CustomAdapter
from possync_gui.pos.custom.csv_source import CsvFileAdapter
from possync_gui.pos.custom.mapping import SourceMapping, parse_mapping

__all__ = ["CsvFileAdapter", "CustomAdapter", "SourceMapping", "parse_mapping"]
