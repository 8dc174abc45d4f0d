"""One self-contained HTML page per run: parameters, metrics and figures.

The page opens with what a reader came for: the model's headline test metrics
beside its baselines, one sentence reading them, and the run's id, parameters
hash and git commit; the figures follow, then the long tables, collapsed. It
needs no Python and no network to read: figures are embedded as base64 PNGs,
styling is inline. Every experiment adds it through
``templates.reporting.with_report``, which collects the experiment's figures, and
the catalog saves it as a versioned ``<namespace>.report`` next to the metrics it
summarises.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from dl_experiments.config import as_plain
from dl_experiments.config.base import parameters_hash
from dl_experiments.evaluation.headline import LABELS, headline
from dl_experiments.nested import flatten
from dl_experiments.not_drawn import not_drawn_reason

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; line-height: 1.4; padding: 0 1rem; }
h1 { border-bottom: 2px solid #444; padding-bottom: .3rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #bbb; }
table { border-collapse: collapse; margin: .6rem 0 1.2rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
nav a { margin-right: 1rem; }
p.reading { font-size: 1.15rem; background: #f6f8fa; border-left: 4px solid #2b6cb0;
            padding: .6rem .9rem; }
table.headline td, table.headline th { font-size: 1rem; padding: .35rem .8rem; }
table.headline tr.model th, table.headline tr.model td { font-weight: 700;
            background: #eef5ff; }
dl.run { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem;
         font-size: .9rem; color: #444; }
dl.run dt { font-weight: 600; } dl.run dd { margin: 0; font-family: monospace; }
details { margin: .6rem 0; } summary { cursor: pointer; font-weight: 600; }
"""

RESERVED = frozenset({"params", "metrics", "title", "run_info"})


def _title(name: str) -> str:
    return name.replace("_", " ")


def _cell(value: Any) -> str:
    """A table cell: numbers right-aligned and rounded, the rest as text."""
    if isinstance(value, bool) or value is None:
        return f"<td>{'' if value is None else escape(str(value))}</td>"
    if isinstance(value, int):
        return f'<td class="num">{value}</td>'
    if isinstance(value, float):
        if math.isnan(value):
            return "<td></td>"
        text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
        return f'<td class="num">{text}</td>'
    if isinstance(value, list | dict):
        value = json.dumps(value)
    return f"<td>{escape(str(value))}</td>"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(str(name))}</th>" for name in header)
    body = "".join(
        f"<tr><th>{escape(str(row[0]))}</th>{''.join(_cell(v) for v in row[1:])}</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _params_section(params: Any) -> str:
    rows = [(name, value) for name, value in flatten(as_plain(params)).items()]
    return "<h2 id='parameters'>Parameters</h2>" + _collapsed(
        f"All {len(rows)} parameters", _table(["parameter", "value"], rows)
    )


def models_table(metrics: Mapping[str, Any]) -> pd.DataFrame:
    """The scalar test-set metrics, one row each, the model beside every baseline
    (from a metrics dict laid out as ``{"model": {...}, "baselines": {name: {...}}}``)."""
    columns = {"model": metrics["model"], **(metrics.get("baselines") or {})}
    names: list[str] = []
    for result in columns.values():
        names += [k for k, v in result.items() if _is_scalar(v) and k not in names]
    return pd.DataFrame(
        {column: [result.get(n) for n in names] for column, result in columns.items()},
        index=pd.Index(names, name="metric"),
        dtype=object,
    )


def cross_validation_table(cross_validation: Mapping[str, Any]) -> pd.DataFrame:
    """``mean ± std`` of each metric (rows) for each cross-validated model (columns)."""
    models = cross_validation.get("models") or {}
    names: list[str] = []
    for result in models.values():
        names += [k for k in result if k not in names]
    cells: dict[str, list[str]] = {}
    for model, result in models.items():
        cells[model] = []
        for name in names:
            summary = result.get(name) or {}
            mean, std = summary.get("mean"), summary.get("std")
            cells[model].append(
                ""
                if mean is None
                else f"{mean:.4g} ± {0.0 if std is None else std:.4g}"
            )
    return pd.DataFrame(cells, index=pd.Index(names, name="metric (mean ± std)"))


def _frame(table: pd.DataFrame) -> str:
    rows = [(name, *row.values()) for name, row in table.to_dict("index").items()]
    return _table([table.index.name or "", *table.columns], rows)


def _detail(name: str, value: Any) -> str:
    """Any other part of the metrics: tables where the shape allows, else JSON."""
    if isinstance(value, Mapping) and "matrix" in value and "labels" in value:
        labels = [f"true {label}" for label in value["labels"]]
        rows = [
            (label, *row) for label, row in zip(labels, value["matrix"], strict=True)
        ]
        return _table(["", *(f"predicted {x}" for x in value["labels"])], rows)
    if (
        isinstance(value, Mapping)
        and value
        and all(isinstance(v, Mapping) for v in value.values())
    ):
        columns: list[str] = []
        for row in value.values():
            columns += [k for k in row if k not in columns]
        rows = [(key, *(row.get(c) for c in columns)) for key, row in value.items()]
        return _table(["", *columns], rows)
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        columns = []
        for row in value:
            columns += [k for k in row if k not in columns]
        rows = [(i, *(row.get(c) for c in columns)) for i, row in enumerate(value)]
        return _table(["#", *columns], rows)
    if isinstance(value, Mapping):
        return _table(["", "value"], list(flatten(value).items()))
    return f"<pre>{escape(json.dumps(value, indent=2))}</pre>"


def _collapsed(summary: str, content: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{content}</details>"


def _metrics_section(metrics: Mapping[str, Any]) -> str:
    parts = ["<h2 id='metrics'>All metrics</h2>"]
    rest = dict(metrics)
    if isinstance(metrics.get("model"), Mapping):
        with_baselines = " and baselines" if metrics.get("baselines") else ""
        table = models_table(metrics)
        parts.append(
            _collapsed(
                f"Test set: model{with_baselines} ({len(table)} metrics)", _frame(table)
            )
        )
        rest.pop("baselines", None)
        model = rest.pop("model")
        for key, value in model.items():
            if not _is_scalar(value):
                parts.append(_collapsed(f"Model: {_title(key)}", _detail(key, value)))
    cv = rest.pop("cross_validation", None)
    if isinstance(cv, Mapping) and isinstance(cv.get("models"), Mapping):
        header = ", ".join(f"{k}: {v}" for k, v in cv.items() if _is_scalar(v))
        parts.append(
            f"<h3>Cross-validation</h3><p>{escape(header)}</p>"
            f"{_frame(cross_validation_table(cv))}"
        )
    elif cv is not None:
        rest["cross_validation"] = cv
    scalars = {k: v for k, v in rest.items() if _is_scalar(v)}
    if scalars:
        parts.append(_table(["metric", "value"], list(scalars.items())))
    for key, value in rest.items():
        if key not in scalars:
            parts.append(_collapsed(_title(key), _detail(key, value)))
    return "".join(parts)


def params_hash(params: Any) -> str:
    """The first 12 hex digits of the experiment's ``config.parameters_hash``."""
    return parameters_hash(params)[:12]


def _headline_section(
    params: Any,
    metrics: Mapping[str, Any],
    run_info: Mapping[str, Any] | None,
) -> str:
    """The reading, the model beside its baselines, and what identifies the run."""
    parts = []
    if isinstance(metrics.get("model"), Mapping):
        head = headline(dict(metrics))
        parts.append(f"<p class='reading'>{escape(head.reading())}</p>")
        header = ["", *(LABELS.get(m, m) for m in head.metrics)]
        rows = "".join(
            f"<tr class='{'model' if row['model'] == 'model' else 'baseline'}'>"
            f"<th>{escape(str(row['model']))}"
            f"{' (best baseline)' if row['model'] == head.best_baseline else ''}</th>"
            + "".join(_cell(row.get(m)) for m in head.metrics)
            + "</tr>"
            for row in head.rows()
        )
        head_cells = "".join(f"<th>{escape(h)}</th>" for h in header)
        parts.append(
            "<h2 id='headline'>Test set</h2><table class='headline'><thead><tr>"
            f"{head_cells}</tr></thead><tbody>{rows}</tbody></table>"
        )
        if not head.baselines:
            parts.append("<p>No baseline has been run for this experiment.</p>")
    info = dict(run_info or {})
    facts = [
        ("run id", info.get("run_id") or "unknown"),
        ("parameters hash", params_hash(params)),
        ("git commit", info.get("git_commit") or "unknown (not a git checkout)"),
    ]
    facts += [(key, value) for key, value in info.items() if key not in {"run_id", "git_commit"}]
    parts.append(
        "<dl class='run'>"
        + "".join(
            f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in facts
        )
        + "</dl>"
    )
    return "".join(parts)


def _figures_section(figures: Mapping[str, bytes]) -> str:
    parts = ["<h2 id='figures'>Figures</h2>"]
    for name, png in figures.items():
        if not isinstance(png, bytes | bytearray) or not png.startswith(b"\x89PNG"):
            raise ValueError(
                f"report figure '{name}': expected the PNG bytes of a saved figure "
                f"(a FigureDataset), got {type(png).__name__}"
            )
        reason = not_drawn_reason(bytes(png))
        if reason is not None:
            parts.append(
                f"<p class='not-drawn' id='figure-{escape(name)}'>"
                f"{escape(_title(name))}: not drawn, {escape(reason)}</p>"
            )
            continue
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f"<figure id='figure-{escape(name)}'><figcaption>{escape(_title(name))}"
            f"</figcaption><img alt='{escape(name)}' src='data:image/png;base64,{data}'>"
            "</figure>"
        )
    return "".join(parts)


def build_report(
    params: Any,
    metrics: Mapping[str, Any],
    run_info: Mapping[str, Any] | None = None,
    title: str = "Run report",
    **figures: bytes,
) -> str:
    """A self-contained HTML page: the headline (the model beside its baselines, a
    one-line reading, run id, parameters hash, git commit), the figures embedded as
    PNGs, then every metric and parameter in collapsible sections."""
    body = [
        f"<h1>{escape(title)}</h1>",
        _headline_section(params, metrics, run_info),
        "<nav><a href='#figures'>Figures</a><a href='#metrics'>All metrics</a>"
        "<a href='#parameters'>Parameters</a></nav>",
        _figures_section(figures),
        _metrics_section(metrics),
        _params_section(params),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
