"""One router per resource; `serving.api.app.ROUTERS` lists them in the order they are registered."""
