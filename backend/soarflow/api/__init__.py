"""The HTTP shell: Flask blueprints (one per resource), errors, request bodies, OpenAPI."""
