/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * confile.h - opening a configuration file the agent reads: a regular file
 * of a bounded size, so that a FIFO put in its place does not block the
 * agent on open and a link to a device (/dev/zero) does not fill its memory.
 */
#ifndef IPP_CONFILE_H
#define IPP_CONFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "err.h"

/* The most a configuration file the agent reads may hold. */
#define IPP_CONFILE_MAX (16 * 1024 * 1024)

/*
 * Open @path for reading into *@ret (owned by the caller: fclose()).  1
 * opened; 0 when it does not exist (*@ret NULL, errno ENOENT or ENOTDIR);
 * -errno with err naming the file otherwise: not a regular file (-EINVAL;
 * /dev/null is taken, as an empty file), larger than @max bytes (-EFBIG), or
 * not readable.
 */
/* What a file of mode @m is, when not a regular file: "a directory", "a FIFO" ... (static). */
const char *ipp_file_kind(mode_t m);

int ipp_confile_open(const char *path, size_t max, FILE **ret, struct ipp_error *err);

#endif
