"""Reading a return closes its file however the read ends (a batch warns of any leak)."""

from __future__ import annotations

import gc
import warnings

from sendreport.sen2.stream import Notes, read_xml
from sendreport.sen2.write import write_returns
from sendreport.synth import generate


def test_a_return_read_to_its_end_leaves_no_file_open(tmp_path):
    path = write_returns(generate(seed=5), tmp_path, years=[2024])[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        people = []
        read_xml(path, lambda fields, line: None, people.append, Notes())
        gc.collect()
    assert people
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
