"""CRM resources beyond associations and records, one module per resource, each with its
wire types, handlers and route table side by side (properties, search, owners, pipelines…)."""
