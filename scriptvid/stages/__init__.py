"""The stages, one module (or package) each, named as in status.json, the logs and the queue."""
