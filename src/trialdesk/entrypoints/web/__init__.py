"""Server-rendered pages (Jinja2, one small CSS file, a little vanilla JS) over the services."""
