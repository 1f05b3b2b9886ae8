"""CRM resources beyond associations and objects, one module per resource: each holds its
wire types, handlers and route table side by side."""
