"""Results folders, reports (markdown, HTML, charts, maps), the manifest, comparisons."""
