"""HTTP adapters: one module per API family, each parsing, calling the core, rendering."""
