"""``python -m dl_experiments.serve [--host ...] [--port ...] [--env ...] [--run ...]``."""

from dl_experiments.serve.command import serve

if __name__ == "__main__":
    serve(prog_name="python -m dl_experiments.serve")
