/* The SPARQL editor on /sparql: CodeMirror 6 (vendored, window.CM) over the form's text box.
   Progressive enhancement: without this script the page is a plain form whose results,
   chart and errors the server draws (publisher/web/endpoint/page.py); with it, the text
   box becomes an editor with SPARQL highlighting, the project's prefixes offered and
   declared as they are used, Ctrl+Enter (Cmd+Enter) to run, and the line of a syntax
   error marked and the cursor put on it. The textarea stays in the form (hidden) and is
   kept equal to the editor, so the form sends what the editor shows.
   No eval, no inline style or script: it runs under a Content-Security-Policy that allows
   scripts and styles from the site only (CodeMirror's own rules go in through a
   constructed stylesheet, its few layout values through the CSSOM). */
(function () {
  "use strict";
  var textarea = document.getElementById("query");
  if (!textarea || !window.CM) { return; }
  var CM = window.CM;
  mountStylesAsSheet(CM.StyleModule);
  var prefixes = JSON.parse(textarea.getAttribute("data-prefixes") || "{}");
  var names = Object.keys(prefixes);

  // "word:" outside IRIs, strings and comments, and the prefixes the query declares
  var NOT_NAMES = /<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g;
  var USED = /(^|[^\w:?$.\-])([A-Za-z][\w\-]*(?:\.[\w\-]+)*):/g;
  var DECLARED = /\bPREFIX\s+([A-Za-z][\w\-]*(?:\.[\w\-]+)*)?:/gi;

  function undeclared(text) {
    var bare = text.replace(NOT_NAMES, " ");
    var declared = {}, missing = [], m;
    DECLARED.lastIndex = 0;
    while ((m = DECLARED.exec(bare))) { declared[m[1] || ""] = true; }
    USED.lastIndex = 0;
    while ((m = USED.exec(bare))) {
      if (prefixes[m[2]] && !declared[m[2]] && missing.indexOf(m[2]) < 0) { missing.push(m[2]); }
    }
    return missing;
  }

  // A known prefix typed (or pasted) and not declared: its PREFIX line goes on top, in
  // the same step (a transaction filter, so one undo takes both away).
  var declareTyped = CM.EditorState.transactionFilter.of(function (tr) {
    if (!tr.docChanged || !(tr.isUserEvent("input") || tr.isUserEvent("paste"))) { return tr; }
    var missing = undeclared(tr.newDoc.toString());
    if (!missing.length) { return tr; }
    var lines = missing.map(function (p) { return "PREFIX " + p + ": <" + prefixes[p] + ">\n"; });
    return [tr, { changes: { from: 0, insert: lines.join("") }, sequential: true }];
  });

  // Completion of the project's prefixes ("sk" offers "skos:")
  function prefixCompletion(context) {
    var word = context.matchBefore(/[A-Za-z][\w\-]*/);
    if (!word || (word.from === word.to && !context.explicit)) { return null; }
    var before = context.state.sliceDoc(Math.max(0, word.from - 1), word.from);
    if (/[?$:<"']/.test(before)) { return null; }
    return {
      from: word.from,
      options: names.map(function (p) {
        return { label: p + ":", detail: prefixes[p], type: "namespace" };
      }),
      validFor: /^[\w\-]*$/
    };
  }

  // CodeMirror's rules (style-mod) go into one constructed stylesheet of the document, in
  // the order style-mod itself keeps them (a module mounted again moves after those
  // before it): the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows,
  // where style-mod would add a <style> element, which it refuses.
  function mountStylesAsSheet(StyleModule) {
    if (!document.adoptedStyleSheets || typeof CSSStyleSheet === "undefined") { return; }
    var sheet = new CSSStyleSheet(), mounted = [];
    StyleModule.mount = function (root, modules) {
      var list = Array.isArray(modules) ? modules : [modules], j = 0;
      list.forEach(function (module) {
        var index = mounted.indexOf(module);
        if (index > -1 && index < j) { mounted.splice(index, 1); j--; index = -1; }
        if (index === -1) { mounted.splice(j++, 0, module); } else { j = index + 1; }
      });
      sheet.replaceSync(mounted.map(function (m) { return m.getRules(); }).join("\n"));
      if (document.adoptedStyleSheets.indexOf(sheet) < 0) {
        document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
      }
    };
  }

  var form = textarea.form;
  function run() {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    return true;
  }

  var label = document.querySelector('label[for="query"]');
  var extensions = [
    CM.lineNumbers(),
    CM.highlightActiveLineGutter(),
    CM.history(),
    CM.drawSelection(),
    CM.highlightActiveLine(),
    CM.bracketMatching(),
    CM.closeBrackets(),
    CM.StreamLanguage.define(CM.sparql),
    CM.syntaxHighlighting(CM.defaultHighlightStyle, { fallback: true }),
    CM.autocompletion({ override: [prefixCompletion] }),
    CM.keymap.of([{ key: "Mod-Enter", run: run }].concat(
      CM.closeBracketsKeymap, CM.defaultKeymap, CM.historyKeymap, CM.completionKeymap)),
    CM.EditorView.lineWrapping,
    CM.EditorView.contentAttributes.of({
      "aria-label": label ? label.textContent : "SPARQL",
      "aria-describedby": textarea.getAttribute("aria-describedby") || "",
      "aria-multiline": "true",
      "spellcheck": "false"
    }),
    CM.EditorView.updateListener.of(function (update) {
      if (update.docChanged) { textarea.value = update.state.doc.toString(); }
    }),
    declareTyped
  ];

  // The line of a syntax error the server reported, marked, with the cursor on it.
  var errorLine = parseInt(textarea.getAttribute("data-error-line"), 10);
  var errorColumn = parseInt(textarea.getAttribute("data-error-column"), 10);
  var state = CM.EditorState.create({ doc: textarea.value, extensions: extensions });
  var at = null;
  if (errorLine > 0 && errorLine <= state.doc.lines) {
    var line = state.doc.line(errorLine);
    at = Math.min(line.from + Math.max(errorColumn - 1, 0), line.to);
    var mark = CM.Decoration.line({ "class": "cm-error-line" }).range(line.from);
    extensions.push(CM.StateField.define({  // the mark follows the text as it is edited
      create: function () { return CM.Decoration.set([mark]); },
      update: function (marks, tr) { return marks.map(tr.changes); },
      provide: function (field) { return CM.EditorView.decorations.from(field); }
    }));
    state = CM.EditorState.create({
      doc: textarea.value, extensions: extensions, selection: { anchor: at }
    });
  }

  var holder = document.createElement("div");
  holder.className = "sparql-editor";
  textarea.parentNode.insertBefore(holder, textarea);
  textarea.hidden = true;
  textarea.required = false; // the server says when a query is empty
  var view = new CM.EditorView({ state: state, parent: holder });
  if (label) {
    label.addEventListener("click", function () { view.focus(); });
  }
  if (at !== null) {
    view.dispatch({ effects: CM.EditorView.scrollIntoView(at, { y: "center" }) });
  }
  document.documentElement.classList.add("has-sparql-editor");
})();
