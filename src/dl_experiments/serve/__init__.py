"""A scoring service: each experiment's predict pipeline behind HTTP routes.

``python -m dl_experiments.serve`` (or ``kedro serve``) starts it in the project
folder (docs/serving.md). The modules, from the request inward:

- ``command``: the command line; bootstraps the Kedro project once;
- ``app``: the FastAPI routes, the body limit, the access log, the error handlers;
- ``inputs``: request bodies to what a predict pipeline reads (a table, image files);
- ``experiments``: each ``<experiment>_predict`` pipeline's ingestion and scoring
  nodes, run in-process per request;
- ``bundles``: the run each experiment is served from, loaded through the
  catalog and swapped atomically when a newer complete run appears;
- ``errors``: the one JSON shape of every error.

Nothing here is imported by ``kedro`` itself until the service starts.
"""
