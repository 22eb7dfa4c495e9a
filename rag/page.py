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
from pathlib import Path

import gradio as gr

from rag import Config, Filters, Hit, QuestionError, RagError, Reply, Retriever
from rag.cite import NEAREST, RELATED, breadcrumb, hit_html, location, refusal_line, report_place
from rag.lanes import Busy, Lanes
from rag.original import LiveSections, Sections, original_html
from rag.upload import ACCEPTED, MAX_UPLOAD_BYTES, store_upload

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
.rag-pages img.rag-page { display: block; max-width: 100%; margin-top: 6px;
                          border: 1px solid var(--border-color-primary); }
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


def hit_block(terms: tuple[str, ...], hit: Hit, original: str, also: tuple[str, ...] = (), place: str = "") -> str:
    """Return one cited passage as HTML: number, breadcrumb, report and page, span, score,
    text, and its 原文 view (`original`, HTML)."""
    report = f"{html.escape(place)} · " if place else ""
    return (
        '<div class="rag-hit">'
        f'<div class="rag-head">[{hit.rank}] {html.escape(breadcrumb(hit))}</div>'
        f'<div class="rag-meta">{report}{html.escape(location(hit))} · 得分 {hit.score:.2f}</div>'
        f'<div class="rag-text">{hit_html(terms, hit, also)}</div>'
        f'<details><summary>原文</summary>{original}</details>'
        "</div>"
    )


def answer_html(reply: Reply, sections: Sections | LiveSections, original=None) -> str:
    """Return the chat answer: the direct answer, the plain refusal or the "related
    passages" label, then the passages. `original(hit, place)` gives a hit's 原文 view
    (default: its section of the text)."""
    original = original or (lambda hit, place: sections.html(hit))
    blocks = ""
    for h in reply.hits:
        place = report_place(h, reply.reports)
        blocks += hit_block(reply.highlight, h, original(h, place), reply.translated_words, place)
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
          filters: Filters = Filters(), original=None) -> str | Reply:
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
    return answer_html(answer, sections, original) if as_html else answer


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


def report_choices(retriever: Retriever) -> list[tuple[str, str]]:
    """Return the (label, file name) of every indexed report, for the report filter."""
    return [(f"{r.label()}（{source}）" if r.label() != source else source, source)
            for source, r in sorted(retriever.reports.items())]


def add_upload(retriever: Retriever, path: str | None, progress=None) -> str:
    """Store an uploaded file in the corpus folder and index it; return the status line.
    A file the index cannot take is deleted again, so the corpus and the index agree."""
    if not path:
        return ""
    name = Path(path).name  # the browser's name, only as a hint for the stored file's name
    step = progress or (lambda *args, **kwargs: None)
    if Path(path).stat().st_size > MAX_UPLOAD_BYTES:
        return f"未能加入：{name} 超过 {MAX_UPLOAD_BYTES // 2**20} MB 的上限。"
    try:
        step(0.05, desc="检查文件")
        stored = store_upload(retriever.config.corpus_dir, Path(path).read_bytes(), name)
        step(0.2, desc="读取、切分并向量化")
        try:
            identity = retriever.add(stored)
        except BaseException:
            stored.unlink(missing_ok=True)
            raise
    except RagError as err:
        return f"未能加入：{err}"
    source = stored.name
    count = sum(1 for p in retriever.passages if p.source == source)
    title = identity.label()
    return f"已加入《{title}》（{source}），{count} 段。" if title != source else f"已加入 {source}，{count} 段。"


def remove_report(retriever: Retriever, source: str) -> str:
    """Remove a report from the index and the corpus folder; return the status line."""
    try:
        removed = retriever.remove(source)
    except RagError as err:
        return f"未能删除：{err}"
    return f"已删除 {source}（{removed} 段）。"


def build_page(retriever: Retriever, lanes: Lanes | None = None, allow_upload: bool = False) -> gr.Blocks:
    """Return the chat page over one loaded retriever, answering in `lanes`' threads (rag.serve
    mounts it beside the REST API; `launch` serves it alone). With `allow_upload`, it also
    adds and removes reports."""
    sections = LiveSections(retriever)
    lanes = lanes or Lanes()
    reports = retriever.reports
    years = sorted({y for r in reports.values() for y in r.years})

    def original(hit: Hit, place: str) -> str:
        return original_html(retriever, sections, hit, place)

    async def answer(question, k, filters_args, as_html: bool) -> str | Reply:
        try:
            filters = filters_of(*filters_args)
            return await lanes.run(question, reply, retriever, sections, question, k, as_html, filters, original)
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
                    f"随后列出报告原文中的相关段落 [1]…[k]：报告、页码、章节、"
                    f"出处（文件与字符位置）、得分；点“原文”查看该段所在的整节，PDF 报告则显示标出该段的原页。"
                    f"已收录 {len(reports)} 份报告。")
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
            picked = gr.Dropdown(report_choices(retriever), multiselect=True, label="只看这些报告（不选即全部）", scale=3)
            picked_years = gr.Dropdown(years, multiselect=True, label="年份", scale=1)
            region = gr.Textbox(label="地区（如 四川、南山区）", max_lines=1, scale=1)
        examples = gr.Examples(EXAMPLES, inputs=[box], label="示例问题（点击即问）")
        if allow_upload:
            _report_manager(retriever, sections, picked)

        # Gradio hands every question on at once; rag.lanes decides how many run together.
        run = dict(fn=respond, inputs=[box, chat, k, picked, picked_years, region], outputs=[chat, box],
                   api_visibility="private", concurrency_limit=None)
        box.submit(**run)
        examples.load_input_event.then(**run)
        chat.change(None, js=SCROLL_TO_QUESTION)
        gr.api(ask, api_name="ask", concurrency_limit=None)
    return page


def _report_manager(retriever: Retriever, sections: LiveSections, picked: gr.Dropdown) -> None:
    """The upload control and the list of indexed reports with remove buttons. Adding and
    removing run one at a time, under the Retriever's reopening lock; the store changes in
    place, so a question answered in a lane at that very moment is not kept out of it."""
    version = gr.State(0)
    with gr.Accordion("报告管理：上传与删除", open=True, elem_id="reports"):
        upload = gr.File(label=f"上传报告（PDF、Word .docx、网页 .html、.txt、.md；最大 {MAX_UPLOAD_BYTES // 2**20} MB）",
                         file_types=list(ACCEPTED), file_count="single", type="filepath", elem_id="upload")
        status = gr.Markdown(elem_id="upload-status")

        @gr.render(inputs=[version])
        def report_list(_version):
            for source, identity in sorted(retriever.reports.items()):
                with gr.Row(elem_classes=["rag-report-row"]):
                    label = identity.label()
                    gr.Markdown(f"《{label}》（{source}）" if label != source else source, elem_classes=["rag-report"])
                    remove = gr.Button("删除", size="sm", scale=0, elem_classes=["rag-remove"])

                    def on_remove(current: int, source=source):
                        message = remove_report(retriever, source)
                        sections.refresh()
                        return message, current + 1, gr.update(choices=report_choices(retriever), value=[])

                    remove.click(on_remove, inputs=[version], outputs=[status, version, picked],
                                 api_visibility="private", concurrency_limit=1)

    def on_upload(path: str | None, current: int, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 (Gradio's way)
        message = add_upload(retriever, path, progress)
        sections.refresh()
        return message, current + 1, gr.update(choices=report_choices(retriever)), None

    upload.upload(on_upload, inputs=[upload, version], outputs=[status, version, picked, upload],
                  api_visibility="private", concurrency_limit=1)
