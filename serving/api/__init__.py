"""The HTTP API: app factory, routes, dependencies, middleware, schemas, the model holder."""
