"""The page's helpers: escaped rendering (view), the Markdown export, uploads and deletions, feedback."""
