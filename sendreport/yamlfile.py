"""Read the params and plan YAML files safely: careless or hostile files fail fast, in one line.

Both files are hand-written by analysts, so :func:`load_yaml` refuses what YAML
would otherwise accept silently or expensively:

- a path that is not a regular file (a folder, a FIFO, a device): reading a FIFO
  would hang the run (:func:`check_regular_file`, also used for data files);
- a file larger than ``MAX_BYTES``;
- a key given twice in one mapping (YAML keeps the last one without a word);
- aliases whose expansion would hold more than ``MAX_NODES`` values (an "alias
  bomb" of a few kilobytes expands to billions of values), or an alias inside
  its own anchor.

Ordinary anchors, aliases and merge keys (``<<: *defaults``) still work. Every
refusal is a :class:`~sendreport.errors.ParameterError` (exit code 2) naming the
file and, where there is one, the line.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

from sendreport.errors import ParameterError

MAX_BYTES = 5_000_000
"""Largest params or plan file read (a real plan is a few tens of kilobytes)."""

MAX_NODES = 200_000
"""Most values (scalars, lists and mappings) a file may hold once its aliases are expanded."""


def check_regular_file(path: str | Path, *, what: str) -> str | None:
    """Return why ``path`` cannot be read as an input file, or ``None`` when it can.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the message (``"params file"``, ``"data.requests"``).

    Returns
    -------
    str or None
        One line such as ``"data.requests: is a FIFO (named pipe), not a regular
        file: /tmp/x.csv"``; ``None`` for a regular file.

    Examples
    --------
    >>> check_regular_file("/dev/null", what="plan file")
    'plan file: is a character device, not a regular file: /dev/null'
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"{what}: file not found: {path}"
    except OSError as err:
        return f"{what}: cannot be read ({err.strerror}): {path}"
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a folder" if stat.S_ISDIR(mode)
        else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
        else "a character device" if stat.S_ISCHR(mode)
        else "a block device" if stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a file"
    )
    return f"{what}: is {kind}, not a regular file: {path}"


def load_yaml(path: str | Path, *, what: str = "YAML file") -> Any:
    r"""Read one YAML document from a regular file, refusing duplicate keys and alias bombs.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"params file"``, ``"plan file"``).

    Returns
    -------
    object
        The document, as ``yaml.safe_load`` would return it.

    Raises
    ------
    ParameterError
        One line naming the file (and the line of the problem): not a regular
        file, too large, not UTF-8, not valid YAML, a duplicate key, or aliases
        that expand too far.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "plan.yaml"
    >>> _ = p.write_text("a: 1\nb: 2\na: 3\n")
    >>> load_yaml(p, what="plan file")
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: plan.yaml: line 3: duplicate key 'a' (first on line 1)
    """
    path = Path(path)
    problem = check_regular_file(path, what=what)
    if problem is not None:
        raise ParameterError(problem)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ParameterError(
                f"{path}: {what} is {size:,} bytes, more than the {MAX_BYTES:,} a {what} may be"
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ParameterError(f"{path}: {what} is not UTF-8 text (byte {err.start})") from err
    except OSError as err:
        raise ParameterError(f"{path}: {what} cannot be read ({err.strerror})") from err
    return loads(text, name=path.name)


def loads(text: str, *, name: str = "<yaml>") -> Any:
    r"""Parse YAML text with the checks of :func:`load_yaml`.

    Parameters
    ----------
    text
        The YAML document.
    name
        The file name to start messages with.

    Returns
    -------
    object
        The document.

    Raises
    ------
    ParameterError
        As for :func:`load_yaml`.

    Examples
    --------
    >>> loads("base: &b {x: 1}\nuse: {<<: *b, y: 2}")
    {'base': {'x': 1}, 'use': {'x': 1, 'y': 2}}
    >>> bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    ...     f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n"
    ...     for i in range(6))
    >>> loads(bomb, name="plan.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: plan.yaml: line 6: aliases expand to more than 200,000 ...
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, name)
        return loader.construct_document(node)
    except ParameterError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = err.problem or err.context or "not valid YAML"
        raise ParameterError(f"{name}: {where}not valid YAML ({problem})") from None
    except yaml.YAMLError as err:
        raise ParameterError(f"{name}: not valid YAML ({type(err).__name__})") from None
    finally:
        loader.dispose()


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader of its own (libyaml's parser where PyYAML has it), changing no other."""


_MERGE = "tag:yaml.org,2002:merge"


def _check_duplicates(node: yaml.MappingNode, name: str) -> None:
    """Refuse a scalar key given twice in one mapping (merged keys may be overridden)."""
    first: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
            continue
        key = (key_node.tag, key_node.value)
        line = key_node.start_mark.line + 1
        if key in first:
            raise ParameterError(
                f"{name}: line {line}: duplicate key {key_node.value!r} (first on line "
                f"{first[key]})"
            )
        first[key] = line


def _check_nodes(root: yaml.Node, name: str) -> None:
    """Refuse duplicate keys, and aliases that expand to more than ``MAX_NODES`` values."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            visiting.discard(key)
            children = _children(node)
            total = 1 + sum(sizes[id(c)] for c in children)
            if total > MAX_NODES:
                raise ParameterError(
                    f"{name}: line {node.start_mark.line + 1}: aliases expand to more than "
                    f"{MAX_NODES:,} values (an alias bomb?); write the values out or use fewer "
                    "aliases"
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node, name)
        if key in visiting:
            raise ParameterError(
                f"{name}: line {node.start_mark.line + 1}: an alias refers to the list or "
                "mapping it is inside"
            )
        visiting.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


__all__ = ["MAX_BYTES", "MAX_NODES", "check_regular_file", "load_yaml", "loads"]
