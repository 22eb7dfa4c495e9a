"""The chat page: a Chinese chat that answers with cited passages of the reports.

rag.serve (`python app.py`) loads one Retriever at start-up and mounts this page beside the
REST API; both answer in the same rag.lanes threads. Each answer lists the passages [1]..[k] with their
heading path, source span, score and highlighted text, and a 原文 view of the whole
section; above them, the direct answer (答：7968家 [1]) when one fits, or 报告中没有找到相关内容
when the report does not say. The same answer, as JSON, is the API endpoint `/ask`:

    from gradio_client import Client
    Client("http://127.0.0.1:7860/").predict("不予行政处罚多少家", 5, api_name="/ask")
    # → {"question": ..., "answerable": true, "answer": {"text": "7968家", ...}, "hits": [...]}

The page holds no retrieval logic: searching is rag.Retriever, citing is rag.cite.
"""

import html
import threading
from dataclasses import dataclass

import gradio as gr

from rag import Config, Filters, Hit, QuestionError, RagError, Reply, Retriever
from rag.cite import NEAREST, RELATED, breadcrumb, hit_html, location, mark, refusal_line, report_title
from rag.lanes import Busy, Lanes
from rag.load import read_source

DEFAULT_K, MAX_K = 5, 10
MAX_CHARS = Config.max_question_chars

EMPTY = "请输入问题，例如：不予行政处罚多少家"
TOO_LONG = "问题太长（{n} 字），请缩短到 {limit} 字以内再问。"
FAILED = "出错了：{error}"
BUSY = "服务器繁忙，请稍后再问。"

EXAMPLES = [
    "不予行政处罚多少家",
    "盲盒专项检查立案多少件",
    "住宅电梯物联网覆盖率达到了多少？",
    "上海市市场监管局的党组书记是谁？",
    "2024年有哪些工作设想？",
    "How many serious food-safety crimes were put under supervision?",
]

# System fonts only: the page must work offline (no web fonts, no CDN).
THEME = gr.themes.Default(
    font=["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"],
    font_mono=["Noto Sans Mono CJK SC", "ui-monospace", "Menlo", "Consolas", "monospace"],
)
CSS = """
.rag-hit { border-left: 3px solid var(--color-accent); padding: 2px 0 2px 12px; margin: 12px 0; }
.rag-head { font-weight: 600; }
.rag-meta { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 2px 0 4px; }
.rag-text, .rag-section { white-space: pre-wrap; line-height: 1.7; }
.rag-hit details { margin-top: 4px; }
.rag-hit summary { cursor: pointer; color: var(--color-accent); font-size: 0.9em; }
.rag-section { max-height: 26em; overflow-y: auto; padding: 8px 10px; margin-top: 4px;
               border: 1px solid var(--border-color-primary); border-radius: 6px;
               background: var(--background-fill-secondary); }
.rag-hit mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.rag-section mark.rag-cited { background: #fef3c7; outline: 1px solid #f59e0b; }
.rag-direct { font-size: 1.1em; font-weight: 600; margin: 4px 0 8px; }
.rag-direct mark { background: #fde68a; }
.rag-note { font-weight: 600; }
#chat .user-row { padding: 12px 16px 4px; }
#chat .user-row .message-content { font-weight: 600; }
#chat .user-row .message-buttons { display: none; }
"""

# Answers are long: show the latest question and the start of its answer ([1]),
# not the end of the last passage where Gradio's autoscroll would leave the view.
SCROLL_TO_QUESTION = """() => {
  const scroll = () => {
    const rows = document.querySelectorAll('#chat .user-row');
    let box = rows[rows.length - 1];
    const row = box;
    while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowY)) box = box.parentElement;
    if (row && box) box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top;
  };
  setTimeout(scroll, 50); setTimeout(scroll, 300);
}"""


@dataclass(frozen=True)
class Sections:
    """Each section of the report, read once: what a passage's 原文 view shows.

    A section is the source text from the start of the first passage with a given
    heading path to the end of the last one.
    """

    texts: dict[str, str]  # source name → whole file text
    spans: dict[tuple[str, tuple[str, ...]], tuple[int, int]]  # (source, heading path) → span

    @classmethod
    def read(cls, retriever: Retriever) -> "Sections":
        """Read every cited source file and find the span of every section."""
        spans: dict[tuple[str, tuple[str, ...]], tuple[int, int]] = {}
        for p in retriever.passages:
            key = (p.source, p.heading_path)
            start, end = spans.get(key, (p.start, p.end))
            spans[key] = (min(start, p.start), max(end, p.end))
        texts = {name: read_source(retriever.config.corpus_dir / name, name).text
                 for name in sorted({source for source, _ in spans})}
        return cls(texts, spans)

    def html(self, hit: Hit) -> str:
        """Return the hit's whole section as escaped HTML, the cited span in <mark>."""
        start, end = self.spans.get((hit.source, hit.heading_path), (hit.start, hit.end))
        text = self.texts[hit.source][start:end]
        cited = [(hit.start - start, hit.end - start)]
        return mark(text, cited, '<mark class="rag-cited">', "</mark>", escape=html.escape)


class LiveSections:
    """The Sections of the index the retriever answers from now: read again when it has
    reopened the index (a report edited on disk), so 原文 shows the text the offsets count in."""

    def __init__(self, retriever: Retriever):
        self._retriever = retriever
        self._store = retriever.store
        self._sections = Sections.read(retriever)
        self._lock = threading.Lock()

    def html(self, hit: Hit) -> str:
        store = self._retriever.store
        if store is not self._store:
            with self._lock:
                if store is not self._store:
                    self._sections, self._store = Sections.read(self._retriever), store
        return self._sections.html(hit)


def hit_block(terms: tuple[str, ...], hit: Hit, section: str, also: tuple[str, ...] = (), title: str = "") -> str:
    """Return one cited passage as HTML: number, breadcrumb, report, span, score, text, 原文."""
    report = f"《{html.escape(title)}》 · " if title and title != hit.source else ""
    return (
        '<div class="rag-hit">'
        f'<div class="rag-head">[{hit.rank}] {html.escape(breadcrumb(hit))}</div>'
        f'<div class="rag-meta">{report}{html.escape(location(hit))} · 得分 {hit.score:.2f}</div>'
        f'<div class="rag-text">{hit_html(terms, hit, also)}</div>'
        f'<details><summary>原文</summary><div class="rag-section">{section}</div></details>'
        "</div>"
    )


def answer_html(reply: Reply, sections: Sections | LiveSections) -> str:
    """Return the chat answer: the direct answer, the plain refusal or the "related
    passages" label, then the passages."""
    blocks = "".join(hit_block(reply.highlight, h, sections.html(h), reply.translated_words,
                               report_title(h, reply.reports)) for h in reply.hits)
    if not reply.answerable:
        nearest = f'<p>{NEAREST}：</p>{blocks}' if reply.hits else ""
        return f'<div class="rag-answer"><p class="rag-note">{html.escape(refusal_line(reply))}</p>{nearest}</div>'
    direct = f'<p class="rag-note">{RELATED}</p>'
    if reply.answer:
        a = reply.answer
        direct = (f'<p class="rag-direct">答：<mark>{html.escape(a.text)}</mark> [{a.hit_rank}]'
                  f'<span class="rag-meta">（{html.escape(a.source)}:{a.start}-{a.end}）</span></p>')
    return f'<div class="rag-answer">{direct}{blocks}</div>'


def question_html(question: str) -> str:
    """Return the user's message as text to show, never as markup."""
    return html.escape(question).replace("\n", "<br>")


def reply(retriever: Retriever, sections: Sections | LiveSections, question: str, k: int, as_html: bool,
          filters: Filters = Filters()) -> str | Reply:
    """Return the answer to one question (HTML, or the library's Reply) from the reports
    within `filters`; bad input and library errors become one-line messages."""
    if question is None or (isinstance(question, str) and not question.strip()):
        return EMPTY
    if isinstance(question, str) and len(question.strip()) > MAX_CHARS:
        return TOO_LONG.format(n=len(question.strip()), limit=MAX_CHARS)
    try:
        answer = retriever.ask(question, k=slider_k(k), filters=filters)
    except RagError as err:
        return FAILED.format(error=html.escape(str(err)) if as_html else err)
    return answer_html(answer, sections) if as_html else answer


def slider_k(k) -> int:
    """Return k as the slider means it, a whole number kept within 1..MAX_K; anything else
    (2.5, "5", None, True) raises QuestionError saying what k must be."""
    if isinstance(k, float) and k.is_integer():  # the slider sends 3.0
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, int):
        raise QuestionError(f"k must be a whole number from 1 to {MAX_K}, got {type(k).__name__} {k!r:.40}.")
    return min(max(k, 1), MAX_K)


def filters_of(reports, years, region, body=None) -> Filters:
    """Return the filters the page's controls (or the API's arguments) set: each a list of
    strings (region and body may be one string); anything else raises QuestionError."""
    def strings(name: str, values) -> tuple[str, ...]:
        values = [values] if isinstance(values, str) else values
        if values is None:
            return ()
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
            raise QuestionError(f"{name} must be a list of strings, got {type(values).__name__} {values!r:.40}.")
        return tuple(v.strip() for v in values if v.strip())

    return Filters(strings("reports", reports), strings("years", years), strings("region", region),
                   strings("body", body))


def build_page(retriever: Retriever, lanes: Lanes | None = None) -> gr.Blocks:
    """Return the chat page over one loaded retriever, answering in `lanes`' threads (rag.serve
    mounts it beside the REST API; `launch` serves it alone)."""
    sections = LiveSections(retriever)
    lanes = lanes or Lanes()
    reports = retriever.reports
    choices = [(f"{r.label()}（{source}）" if r.label() != source else source, source)
               for source, r in sorted(reports.items())]
    years = sorted({y for r in reports.values() for y in r.years})

    async def answer(question, k, filters_args, as_html: bool) -> str | Reply:
        try:
            filters = filters_of(*filters_args)
            return await lanes.run(question, reply, retriever, sections, question, k, as_html, filters)
        except QuestionError as err:
            return FAILED.format(error=html.escape(str(err)) if as_html else err)
        except Busy:
            return BUSY

    async def respond(message: str, history: list, k: float, picked: list, picked_years: list, region: str):
        if not isinstance(message, str) or not message.strip():
            return gr.skip(), gr.skip()  # an empty message does nothing
        shown = await answer(message, k, (picked, picked_years, region), as_html=True)
        return history + [{"role": "user", "content": question_html(message)},
                          {"role": "assistant", "content": shown}], ""

    # gr.api reads these type hints for the API schema (so no postponed annotations here).
    async def ask(question: str, k: int = DEFAULT_K, reports: list[str] | None = None,
                  years: list[str] | None = None, region: str = "") -> dict:
        """Answer one question: {"question", "answerable", "answer", "hits"} as `rag.ask
        --json` prints it, or {"error": message} for a question or k that is not valid.
        `reports` (file names), `years` and `region` keep to the reports they name."""
        result = await answer(question, k, (reports, years, region), as_html=False)
        return result.to_dict() if isinstance(result, Reply) else {"error": str(result)}

    with gr.Blocks(title="报告问答", analytics_enabled=False) as page:
        gr.Markdown(f"## 报告问答\n用中文或英文提问。能从原文直接摘出答案时先给出“答：…”，报告未涉及时明说；"
                    f"随后列出报告原文中的相关段落 [1]…[k]：报告、章节、"
                    f"出处（文件与字符位置）、得分；点“原文”查看该段所在的整节。已收录 {len(reports)} 份报告。")
        chat = gr.Chatbot(
            elem_id="chat", show_label=False, height=640, layout="panel", autoscroll=False,
            placeholder="向报告提问：回答引用原文段落，并标出章节与出处。",
            # Answers are HTML we built and escaped; questions are escaped text. No
            # Markdown or LaTeX, so nothing in a question or the report becomes markup.
            render_markdown=False, sanitize_html=True, latex_delimiters=[], allow_tags=False,
            feedback_options=None, buttons=["copy", "copy_all"],
        )
        box = gr.Textbox(elem_id="question", placeholder="输入问题，例如：不予行政处罚多少家",
                         show_label=False, lines=1, max_lines=6, submit_btn="发送", autofocus=True)
        with gr.Row():
            k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="引用段落数（top-k）", scale=4)
            gr.ClearButton([chat, box], value="清空对话", scale=1)
        with gr.Row():
            picked = gr.Dropdown(choices, multiselect=True, label="只看这些报告（不选即全部）", scale=3)
            picked_years = gr.Dropdown(years, multiselect=True, label="年份", scale=1)
            region = gr.Textbox(label="地区（如 四川、南山区）", max_lines=1, scale=1)
        examples = gr.Examples(EXAMPLES, inputs=[box], label="示例问题（点击即问）")

        # Gradio hands every question on at once; rag.lanes decides how many run together.
        run = dict(fn=respond, inputs=[box, chat, k, picked, picked_years, region], outputs=[chat, box],
                   api_visibility="private", concurrency_limit=None)
        box.submit(**run)
        examples.load_input_event.then(**run)
        chat.change(None, js=SCROLL_TO_QUESTION)
        gr.api(ask, api_name="ask", concurrency_limit=None)
    return page
