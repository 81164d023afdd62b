"""The use cases behind the API, one package per feature (routes -> service -> store, bodies), on the request kernel."""
