"""Reports: occupancy (the night curve), utilisation, revenue and violations, as JSON and SVG."""
