// The virtualised table of the runs page: a fixed-height scroller whose
// spacer is as tall as every row, with only the rows in view (plus a margin)
// in the DOM. Rows come in pages (100 by default) fetched on first sight
// and cached. Arrow keys move between rows (the focused control stays in
// its column), Home/End jump to the ends; Tab reaches each row's controls.

import { h } from "./dom.js";

export class VirtualTable {
  /**
   * opts: {columns: [{label, width, sortKey?, class?, cell(row, index)}], total,
   * first: rows of page 0, pageSize, fetchPage(offset, limit) -> Promise<rows|null>,
   * sort: {order, desc}, onSort(order, desc), label, alive()}
   */
  constructor(opts) {
    this.o = { rowHeight: 32, pageSize: 100, ...opts };
    this.pages = new Map([[0, opts.first]]);
    this.pending = new Set();
    const tpl = this.o.columns.map((c) => c.width || "minmax(120px, 1fr)").join(" ");
    this.template = tpl;
    // The header row sits in the scroller (sticky), so it scrolls sideways
    // with the rows and its columns line up with theirs.
    const head = h("div", { class: "vt-head", role: "row", "aria-rowindex": "1" });
    head.style.gridTemplateColumns = tpl;
    for (const c of this.o.columns) {
      const sorted = c.sortKey && opts.sort && opts.sort.order === c.sortKey;
      const ariaSort = sorted ? (opts.sort.desc ? "descending" : "ascending") : c.sortKey ? "none" : null;
      head.append(h("div", { role: "columnheader", class: "cell-h " + (c.class || ""), "aria-sort": ariaSort },
        c.sortKey
          ? h("button", {
            type: "button", "data-sort": c.sortKey,
            onclick: () => opts.onSort(c.sortKey, sorted ? !opts.sort.desc : false),
            "aria-label": `Sort by ${c.label}`, title: c.label,
          }, c.label, sorted ? (opts.sort.desc ? " ▼" : " ▲") : "")
          : h("span", { class: c.hideLabel ? "sr" : "cell" }, c.label)));
    }
    this.spacer = h("div", {});
    this.spacer.style.height = (this.o.total + 1) * this.o.rowHeight + "px";
    this.head = head;
    this.scroll = h("div", { class: "vt-scroll", tabindex: "-1" }, head, this.spacer);
    // Every row is as wide as the columns' minimums (or the view): header
    // and rows then share one grid, also when scrolled sideways.
    const minWidth = this.o.columns.reduce((sum, c) => sum + (Number((/(\d+)px/.exec(c.width || "120px") || [0, 120])[1])), 0);
    this.scroll.style.setProperty("--vt-w", `max(100%, ${minWidth}px)`);
    this.scroll.addEventListener("scroll", () => this.schedule());
    this.scroll.addEventListener("keydown", (e) => this.onKey(e));
    this.el = h("div", { role: "table", "aria-label": opts.label, "aria-rowcount": String(this.o.total + 1), class: "vt" }, this.scroll);
    this.rows = new Map();
    requestAnimationFrame(() => this.renderRows());
  }

  schedule() {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.renderRows();
    });
  }

  row(i) {
    const p = Math.floor(i / this.o.pageSize);
    const page = this.pages.get(p);
    return page ? page[i - p * this.o.pageSize] : undefined;
  }

  load(p) {
    if (this.pages.has(p) || this.pending.has(p)) return;
    this.pending.add(p);
    this.o.fetchPage(p * this.o.pageSize, this.o.pageSize).then((rows) => {
      this.pending.delete(p);
      if (!this.o.alive()) return;
      this.pages.set(p, rows || []);
      this.renderRows();
    });
  }

  renderRows() {
    const rh = this.o.rowHeight;
    const top = Math.max(0, this.scroll.scrollTop - rh);
    const height = this.scroll.clientHeight || 480;
    const first = Math.max(0, Math.floor(top / rh) - 8);
    const last = Math.min(this.o.total - 1, Math.ceil((top + height) / rh) + 8);
    for (const [i, el] of this.rows) {
      if (i < first || i > last) {
        if (el.contains(document.activeElement)) continue;
        el.remove();
        this.rows.delete(i);
      }
    }
    for (let i = first; i <= last; i++) {
      const r = this.row(i);
      const existing = this.rows.get(i);
      if (existing && (existing.dataset.loaded === "1" || r === undefined)) continue;
      if (r === undefined) this.load(Math.floor(i / this.o.pageSize));
      const el = h("div", { role: "row", class: "vt-row", "data-index": String(i), "aria-rowindex": String(i + 2), "data-loaded": r ? "1" : "0" });
      el.style.top = (i + 1) * rh + "px";
      el.style.gridTemplateColumns = this.template;
      if (r) for (const c of this.o.columns) el.append(h("div", { role: "cell", class: "cell " + (c.class || "") }, c.cell(r, i)));
      else el.append(h("div", { role: "cell", class: "cell muted" }, "Loading…"));
      if (existing) existing.replaceWith(el);
      else this.scroll.append(el);
      this.rows.set(i, el);
    }
  }

  /** Focuses the control of row i in the same column as `like`. */
  focusRow(i, like) {
    i = Math.max(0, Math.min(this.o.total - 1, i));
    const rh = this.o.rowHeight;
    const top = (i + 1) * rh;
    // The sticky header covers the first row height of the view.
    if (top - rh < this.scroll.scrollTop) this.scroll.scrollTop = top - rh;
    else if (top + rh > this.scroll.scrollTop + this.scroll.clientHeight) this.scroll.scrollTop = top + rh - this.scroll.clientHeight;
    this.renderRows();
    const row = this.rows.get(i);
    if (!row) return;
    const sel = like && like.matches("input") ? "input" : "a";
    const target = row.querySelector(sel) || row.querySelector("a, input, button");
    if (target) target.focus();
  }

  onKey(e) {
    const row = e.target.closest && e.target.closest(".vt-row");
    if (!row) return;
    const i = Number(row.dataset.index);
    const page = Math.max(1, Math.floor(this.scroll.clientHeight / this.o.rowHeight) - 1);
    const moves = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + page, PageUp: i - page, Home: 0, End: this.o.total - 1 };
    if (!(e.key in moves)) return;
    e.preventDefault();
    this.focusRow(moves[e.key], e.target);
  }
}
