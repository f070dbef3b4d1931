"""Show pack content in a notebook as report outputs (the only outputs the pack prints)."""

from __future__ import annotations

from typing import Any

from sendreport.outputs import DOCUMENT_ROLE


def show(html: str, *, role: str = "content", **metadata: Any) -> None:
    """Display HTML as a report output.

    Parameters
    ----------
    html
        The fragment to show; it is printed in the pack as it is.
    role
        What the fragment is (``"cover"``, ``"section"``, ...); kept in the
        output's metadata under the ``sendreport`` key, which is what marks an
        output as part of the pack.
    **metadata
        More metadata to keep with the output.

    The contents of every chart drawn into ``html``
    (:func:`sendreport.charts.render.figures_in`) go with it as ``figures``, for
    the privacy guard, which refuses an image whose contents it has not read.
    """
    from IPython.display import HTML, display

    if "data:image/" in html:
        from sendreport.charts.render import figures_in

        metadata = {**metadata, "figures": figures_in(html)}
    display(HTML(html), metadata={"sendreport": {"role": role, **metadata}})


def declare_document(
    *,
    title: str,
    classification: str,
    running_head: str,
    author: str | None = None,
    description: str | None = None,
    lang: str = "en-GB",
    audience: str = "shared",
) -> None:
    """Declare the document's title, language and marking for the exporter.

    Parameters
    ----------
    title
        The PDF title shown in the viewer's title bar.
    classification
        The marking printed in the header and footer of every page.
    running_head
        The header text on the left of every page.
    author, description
        Optional document metadata.
    lang
        The document language.
    audience
        The params ``audience``: the families edition leaves out narrative
        cells tagged ``technical``.
    """
    show(
        "",
        role=DOCUMENT_ROLE,
        title=title,
        classification=classification,
        running_head=running_head,
        author=author,
        description=description,
        lang=lang,
        audience=audience,
    )
