"""rag.lookup: tables kept in the per-user cache give what they were built from, are written
again when what they derive from changes, and never stand in the way (a damaged or
unwritable cache means a table built in memory). zhconv's conversions and the place names,
read that way, give what zhconv and the table in memory give."""

import os
import random

import pytest
import zhconv

from rag import lookup, normalize, places
from rag.lookup import ABSENT, StoredTable, stored_table
from tests.paths import PROJECT_ROOT, run_python

ROWS = [("干", None), ("幹", "干"), ("幹部", "干部"), ("臺", "台")]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "baogao" / "tables"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.txt"
    path.write_text("one version of the data", encoding="utf-8")
    return path


def test_a_table_is_written_once_then_read_entry_by_entry(cache, source):
    first = stored_table("demo", [source], lambda: ROWS)
    assert not isinstance(first, StoredTable) and len(list(cache.glob("demo-*.sqlite"))) == 1
    again = stored_table("demo", [source], lambda: pytest.fail("built again"))
    assert isinstance(again, StoredTable) and len(again) == 0  # nothing read yet
    for table in (first, again):
        assert [table.get(key, ABSENT) for key, _ in ROWS] == [value for _, value in ROWS]
        assert table.get("台", ABSENT) is ABSENT and table.get("\ud800") is None
        assert table.get("台", ABSENT) is ABSENT  # remembered as absent


def test_a_table_much_looked_up_reads_itself_whole(cache, source, monkeypatch):
    monkeypatch.setattr(lookup, "READS_BEFORE_WHOLE", 2)
    stored_table("demo", [source], lambda: ROWS)
    table = stored_table("demo", [source], lambda: ROWS)
    looked_up = [table.get(key, ABSENT) for key in ("台", "幹", "干", "幹部", "臺", "台")]
    assert looked_up == [ABSENT, "干", None, "干部", "台", ABSENT]
    assert dict(table) == dict(ROWS)  # every entry, and no key remembered as absent


def test_a_changed_source_gets_a_new_table_and_only_the_newest_versions_are_kept(cache, source, monkeypatch):
    monkeypatch.setattr(lookup, "KEPT_VERSIONS", 2)
    stored_table("demo", [source], lambda: ROWS)
    [first] = cache.glob("demo-*.sqlite")
    source.write_text("another version", encoding="utf-8")
    assert stored_table("demo", [source], lambda: [("臺", "台")]).get("幹", ABSENT) is ABSENT
    assert first.exists() and len(list(cache.glob("demo-*.sqlite"))) == 2  # a checkout of the old version keeps its own
    assert isinstance(stored_table("demo", [source], lambda: []), StoredTable)
    os.utime(first, (1, 1))  # the oldest
    source.write_text("a third version", encoding="utf-8")
    stored_table("demo", [source], lambda: ROWS)
    assert not first.exists() and len(list(cache.glob("demo-*.sqlite"))) == 2


def test_a_damaged_table_file_is_written_again(cache, source):
    stored_table("demo", [source], lambda: ROWS)
    [path] = cache.glob("demo-*.sqlite")
    path.write_bytes(b"not a database" * 100)
    assert stored_table("demo", [source], lambda: ROWS).get("幹部") == "干部"
    assert isinstance(stored_table("demo", [source], lambda: ROWS), StoredTable)


def test_a_table_whose_file_fails_in_use_is_built_in_memory(cache, source):
    stored_table("demo", [source], lambda: ROWS)
    table = stored_table("demo", [source], lambda: ROWS)
    table._db.close()  # any error of SQLite's from now on
    assert table.get("幹部") == "干部" and table.get("台", ABSENT) is ABSENT


def test_a_cache_that_cannot_be_written_still_gives_the_table(tmp_path, monkeypatch, source):
    (tmp_path / "not-a-folder").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    table = stored_table("demo", [source], lambda: ROWS)
    assert not isinstance(table, StoredTable) and table.get("幹") == "干"


def test_a_missing_source_gives_the_table_in_memory(cache, tmp_path):
    table = stored_table("demo", [tmp_path / "absent.txt"], lambda: ROWS)
    assert table == dict(ROWS) and not cache.exists()


def _texts():
    """Pieces of the reports, and texts made of zhconv's keys and their prefixes (traditional
    script, phrases it converts as a whole: 行動電話 → 移动电话)."""
    from zhconv import zhconv as module

    rng = random.Random(7)
    reports = [p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "eval" / "corpus").glob("*.txt"))]
    texts = [t[a : a + rng.randrange(1, 300)] for t in reports for a in (rng.randrange(len(t)) for _ in range(40))]
    keys = sorted(module.getdict("zh-cn"))
    for _ in range(3000):
        texts.append("".join(rng.choice(keys)[: rng.randrange(1, 5)] + rng.choice(("", "的", "行", "不", " ", "a"))
                             for _ in range(rng.randrange(1, 8))))
    return reports + texts


def test_script_is_converted_as_zhconv_converts_it_from_the_stored_table_and_in_memory(cache):
    normalize._conversions.cache_clear()
    try:
        normalize._conversions()  # writes the table
        normalize._conversions.cache_clear()
        stored = normalize._conversions()
        assert isinstance(stored, StoredTable)
        in_memory = dict(normalize._conversion_rows())
        texts = _texts()
        assert sum(zhconv.convert(t, "zh-cn") != t for t in texts) > 1000  # there is converting to do
        for text in texts:
            expected = zhconv.convert(text, "zh-cn")
            assert normalize.convert(text, stored) == normalize.convert(text, in_memory) == expected, text
            assert normalize.to_simplified(text) == expected
    finally:
        normalize._conversions.cache_clear()


def test_place_names_read_from_the_stored_table_are_those_of_the_table_in_memory(cache):
    places._stored_divisions.cache_clear()
    try:
        places._stored_divisions()  # writes the table
        places._stored_divisions.cache_clear()
        assert isinstance(places._stored_divisions(), StoredTable)
        stored, divisions = places._stored_divisions(), places._divisions()
        assert divisions and all(places._divisions_of(stored.get(name)) == found for name, found in divisions.items())
        assert stored.get("不予行政处罚") is None
    finally:
        places._stored_divisions.cache_clear()


def test_a_question_in_a_fresh_process_loads_neither_table_whole(tmp_path):
    """Once the tables are cached, analysing a question reads a few of their entries:
    zhconv's dictionary is not loaded, nor the place names' table built."""
    script = (
        "import os, sys\n"
        f"os.environ['XDG_CACHE_HOME'] = {str(tmp_path / 'cache')!r}\n"
        "from rag import places\n"
        "from rag.query import Query\n"
        "query = Query.of('四川省2024年不予行政處罰多少家')\n"
        "print(query.folded, [p.name for p in query.places])\n"
        "print('zhconv' in sys.modules, places._divisions.cache_info().currsize)\n"
    )
    first, second = run_python(script), run_python(script)
    for done in (first, second):
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.splitlines()[0] == "四川省2024年不予行政处罚多少家 ['四川省']"
    assert second.stdout.splitlines()[1] == "False 0"
