"""CRM resources beyond associations and records, each with its wire types beside its
handlers: properties (``properties.py``) and search (``search.py``)."""
