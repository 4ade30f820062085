/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * show_table.c - the column layout of format=table.
 *
 * Columns are as wide as their widest cell (or header) and separated by two
 * spaces.  With wide=no, the headers of empty columns are cut first, then
 * columns shrink one column at a time, always the widest, until a line fits
 * SHOW_COLUMNS; no column goes below
 * TABLE_MIN_COL (so "ab..." stays readable).  Cells longer than their
 * column are cut and end in "...".
 */
#include "show_internal.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_SEP 2
#define TABLE_MIN_COL 5

void show_table_init(struct show_table *t, size_t ncols, const char *const *headers)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols > SHOW_TABLE_MAXCOLS ? SHOW_TABLE_MAXCOLS : ncols;
	for (i = 0; i < t->ncols; i++)
		t->hdr[i] = headers[i];
}

void show_table_row(struct show_table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (!c)
			return;
		t->cells = c;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *d = strdup(cells[i] ? cells[i] : "");

		if (!d) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return;
		}
		t->cells[t->nrows * t->ncols + i] = d;
	}
	t->nrows++;
}

void show_table_free(struct show_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static size_t line_width(const size_t *w, size_t n)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++)
		total += w[i];
	return total + (n ? (n - 1) * TABLE_SEP : 0);
}

/* One cell padded to @width (the last column is not padded: no trailing blanks). */
static void print_cell(FILE *out, const char *s, size_t width, bool last)
{
	char buf[4096];
	size_t w;

	show_fit(s, width, buf, sizeof(buf));
	fputs(buf, out);
	if (last)
		return;
	for (w = show_text_width(buf); w < width + TABLE_SEP; w++)
		fputc(' ', out);
}

static void print_line(FILE *out, const struct show_table *t, const char *const *cells,
		       const size_t *w)
{
	size_t i, last = t->ncols;

	/* Drop trailing empty cells so that lines carry no trailing blanks. */
	while (last > 0 && !*cells[last - 1])
		last--;
	for (i = 0; i < last; i++)
		print_cell(out, cells[i], w[i], i + 1 == last);
	fputc('\n', out);
}

void show_table_print(FILE *out, const struct show_table *t, bool wide)
{
	size_t w[SHOW_TABLE_MAXCOLS], i, r;
	const char *dashes[SHOW_TABLE_MAXCOLS];
	char *dashbuf[SHOW_TABLE_MAXCOLS];

	size_t cells_w[SHOW_TABLE_MAXCOLS];

	for (i = 0; i < t->ncols; i++) {
		cells_w[i] = 0;
		for (r = 0; r < t->nrows; r++) {
			size_t cw = show_text_width(t->cells[r * t->ncols + i]);

			if (cw > cells_w[i])
				cells_w[i] = cw;
		}
		w[i] = show_text_width(t->hdr[i]);
		if (cells_w[i] > w[i])
			w[i] = cells_w[i];
	}
	/* first the headers of columns with nothing in them (Description, often): the
	 * cells' text is cut last */
	for (i = 0; !wide && i < t->ncols && line_width(w, t->ncols) > SHOW_COLUMNS; i++)
		while (cells_w[i] == 0 && w[i] > TABLE_MIN_COL &&
		       line_width(w, t->ncols) > SHOW_COLUMNS)
			w[i]--;
	while (!wide && line_width(w, t->ncols) > SHOW_COLUMNS) {
		size_t widest = 0;

		for (i = 1; i < t->ncols; i++)
			if (w[i] > w[widest])
				widest = i;
		if (w[widest] <= TABLE_MIN_COL)
			break;
		w[widest]--;
	}
	for (i = 0; i < t->ncols; i++) {
		dashbuf[i] = malloc(w[i] + 1);
		if (dashbuf[i]) {
			memset(dashbuf[i], '-', w[i]);
			dashbuf[i][w[i]] = '\0';
		}
		dashes[i] = dashbuf[i] ? dashbuf[i] : "-";
	}
	print_line(out, t, t->hdr, w);
	print_line(out, t, dashes, w);
	for (r = 0; r < t->nrows; r++)
		print_line(out, t, (const char *const *)&t->cells[r * t->ncols], w);
	for (i = 0; i < t->ncols; i++)
		free(dashbuf[i]);
}
