// vaxmix report: table sorting, filtering and the per-candidate detail panel (no network).
// One set of controls per candidate table: class I (ids without prefix) and class II ("class2-").
(function () {
  "use strict";
function setup(tableId, dataId, filterId, tierId, shownId, detailId) {
  var table = document.getElementById(tableId);
  if (!table) { return; }
  var data = JSON.parse(document.getElementById(dataId).textContent);
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filterBox = document.getElementById(filterId);
  var tierBox = document.getElementById(tierId);
  var shown = document.getElementById(shownId);
  var detail = document.getElementById(detailId);
  var candidates = {};
  data.candidates.forEach(function (c) { candidates[c.variant_index] = c; });
  // The detail opens in a row right under the clicked row (not below a long table).
  var selectedRow = null;
  var detailRow = document.createElement("tr");
  detailRow.className = "detail-row";
  var detailCell = document.createElement("td");
  detailCell.colSpan = table.tHead.rows[0].cells.length;
  detailRow.appendChild(detailCell);
  function placeDetail() {
    if (!selectedRow || detail.hidden) { return; }
    if (detail.parentNode !== detailCell) { detailCell.appendChild(detail); }
    body.insertBefore(detailRow, selectedRow.nextSibling);
    detailRow.hidden = selectedRow.hidden;
  }

  function cellValue(row, col, numeric) {
    var cell = row.cells[col];
    if (numeric) {
      var v = cell.getAttribute("data-v");
      return v === null || v === "" ? NaN : parseFloat(v);
    }
    return cell.textContent.trim().toLowerCase();
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    th.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "num";
      var asc = !th.classList.contains("asc");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.classList.remove("asc", "desc"); });
      th.classList.add(asc ? "asc" : "desc");
      rows.sort(function (a, b) {
        var x = cellValue(a, col, numeric), y = cellValue(b, col, numeric);
        if (numeric) {
          if (isNaN(x) && isNaN(y)) { return 0; }
          if (isNaN(x)) { return 1; }          // blanks last in both directions
          if (isNaN(y)) { return -1; }
          return asc ? x - y : y - x;
        }
        return asc ? (x < y ? -1 : x > y ? 1 : 0) : (x < y ? 1 : x > y ? -1 : 0);
      });
      rows.forEach(function (r) { body.appendChild(r); });
      placeDetail();
    });
  });

  function applyFilter() {
    var text = filterBox.value.trim().toLowerCase();
    var tier = tierBox.value;
    var n = 0;
    rows.forEach(function (r) {
      var ok = (!tier || r.getAttribute("data-tier") === tier) &&
               (!text || r.textContent.toLowerCase().indexOf(text) !== -1);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " shown";
    if (selectedRow) { detailRow.hidden = selectedRow.hidden; }
  }
  filterBox.addEventListener("input", applyFilter);
  tierBox.addEventListener("change", applyFilter);
  applyFilter();

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined || v === "") { return ""; }
    var n = Number(v);
    if (isNaN(n)) { return String(v); }
    return Math.abs(n) >= 1000 ? n.toFixed(0) : String(Math.round(n * 1000) / 1000);
  }
  function bar(value, cls) {
    // log-scaled IC50 bar: 1 nM -> 0 px, 50000 nM -> 120 px
    var span = el("span", null, "bar" + (cls ? " " + cls : ""));
    var n = Number(value);
    var w = n > 0 ? Math.min(120, Math.max(1, 120 * Math.log10(n) / Math.log10(50000))) : 0;
    span.style.width = w.toFixed(1) + "px";
    span.title = fmt(value) + " nM";
    return span;
  }

  function showDetail(index) {
    var c = candidates[index];
    if (!c) { return; }
    detail.hidden = false;
    detail.textContent = "";
    detail.appendChild(el("h3", c.gene + " " + c.aa_change + " (" + c.variant_id + ")"));
    var facts = el("dl", null, "facts");
    var v = data.variants[index] || {};
    var vac = c.vaccine;
    [["Tier", c.tier + (c.tier_reasons ? " (" + c.tier_reasons + ")" : "")],
     ["In vaccine", vac ? vac.in_vaccine + (vac.long_peptide ? " (" + vac.long_peptide + ")" : "") + ": " + vac.reason : undefined],
     ["Best peptide", c.best_peptide + " on " + c.allele], ["Transcript", c.transcript],
     ["RNA expression (TPM)", fmt(c.rna_expr)], ["RNA VAF", fmt(c.rna_vaf)], ["DNA VAF", fmt(c.dna_vaf)],
     ["Allele expression (TPM, RNA expr x RNA VAF)", fmt(c.allele_expr)], ["RNA depth (reads)", fmt(c.rna_depth)],
     ["Tumor DNA depth (reads)", v.tdna_depth], ["Normal depth (reads) / VAF", v.normal_depth !== undefined ? v.normal_depth + " / " + v.normal_vaf : undefined],
     ["Transcript expression (TPM)", v.transcript_expression !== undefined ? fmt(v.transcript_expression) : undefined], ["HGVSp", v.hgvsp]].forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "") { return; }
      facts.appendChild(el("dt", p[0])); facts.appendChild(el("dd", p[1]));
    });
    detail.appendChild(facts);
    var cols = data.epitopes.columns || [];
    var peps = ((data.epitopes.rows || {})[index] || []).map(function (values) {
      var p = {};
      cols.forEach(function (c, i) { p[c] = values[i]; });
      return p;
    });
    if (!peps.length) { detail.appendChild(el("p", "No peptide rows for this candidate.", "muted")); return; }
    var byAllele = {};
    var hasCore = cols.indexOf("mt_core") !== -1;
    peps.forEach(function (p) { (byAllele[p.allele] = byAllele[p.allele] || []).push(p); });
    Object.keys(byAllele).sort().forEach(function (allele) {
      detail.appendChild(el("h3", allele + " (" + byAllele[allele].length + " peptides)"));
      var t = el("table", null, "data peptides");
      t.setAttribute("data-allele", allele);
      var head = t.createTHead().insertRow();
      var names = ["MT peptide", "WT peptide", "Length", "Mut pos", "MT IC50 (nM)", "", "WT IC50 (nM)", "", "MT %ile", "WT %ile", "Fold change"];
      if (hasCore) { names.splice(1, 0, "Core (predicted)"); }
      names.forEach(function (h) { head.appendChild(el("th", h)); });
      var tb = t.createTBody();
      byAllele[allele].forEach(function (p) {
        var r = tb.insertRow();
        r.appendChild(el("td", p.peptide, "mono"));
        if (hasCore) { r.appendChild(el("td", p.mt_core, "mono core")); }
        r.appendChild(el("td", p.wt_peptide, "mono"));
        r.appendChild(el("td", fmt(p.length)));
        r.appendChild(el("td", p.mutation_position));
        r.appendChild(el("td", fmt(p.mt_ic50)));
        var b1 = el("td"); b1.appendChild(bar(p.mt_ic50)); r.appendChild(b1);
        r.appendChild(el("td", fmt(p.wt_ic50)));
        var b2 = el("td"); b2.appendChild(bar(p.wt_ic50, "wt")); r.appendChild(b2);
        r.appendChild(el("td", fmt(p.mt_percentile)));
        r.appendChild(el("td", fmt(p.wt_percentile)));
        r.appendChild(el("td", fmt(p.fold_change)));
      });
      detail.appendChild(t);
    });
  }

  rows.forEach(function (r) {
    function open() {
      rows.forEach(function (o) { o.classList.remove("selected"); });
      r.classList.add("selected");
      selectedRow = r;
      showDetail(r.getAttribute("data-index"));
      placeDetail();
      // keep the clicked row in view with its detail below it (scroll only when cut off)
      var bottom = detailRow.getBoundingClientRect().bottom;
      if (bottom > window.innerHeight && r.scrollIntoView) { r.scrollIntoView({block: "start"}); }
    }
    r.addEventListener("click", open);
    r.addEventListener("keydown", function (e) { if (e.key === "Enter") { open(); } });
  });
}
  setup("candidate-table", "detail-data", "filter", "tier-filter", "shown-count", "detail");
  setup("class2-table", "class2-detail-data", "class2-filter", "class2-tier-filter",
        "class2-shown-count", "class2-detail");
})();
