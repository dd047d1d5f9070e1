// The parts of CodeMirror 6 the SPARQL editor (publisher/web/static/site/sparql-editor.js)
// uses, bundled by scripts/vendor.py with esbuild into one file that defines window.CM.
export { EditorState, StateField } from "@codemirror/state";
// CodeMirror writes its own rules through style-mod: the editor mounts them as a constructed
// stylesheet instead of a <style> element (which a strict style-src refuses).
export { StyleModule } from "style-mod";
export {
  Decoration, EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter,
  keymap, lineNumbers,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
export {
  StreamLanguage, bracketMatching, defaultHighlightStyle, syntaxHighlighting,
} from "@codemirror/language";
export {
  autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap,
} from "@codemirror/autocomplete";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
