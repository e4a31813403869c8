/* lathe — `lathe album ALBUM OUTDIR [...]` (DESIGN.md, command line): its own
 * arguments, the album's chains loaded from session files, and the
 * delivery written so that a failure or a signal leaves nothing half-made. */
#ifndef LATHE_ALBUM_CLI_H
#define LATHE_ALBUM_CLI_H

#include "engine/params.h"

/* The album's chain loader (album.h's album_chain_fn): `session` (a resolved
 * path, or NULL for the defaults) read into p with session_file_read, then
 * its `snapshot` ("A".."D", or NULL) recalled over it.  The console's Album
 * window loads albums through this too, so it hears what `lathe album` renders. */
int album_load_chain(lathe_params *p, const char *session, const char *snapshot, char *err, int errlen);

/* argv[1] is "album".  Progress lines ("lathe: [k/n] track ...") go to
 * stderr on a terminal, or anywhere with LATHE_PROGRESS set in the
 * environment (the console's Album window reads them from a pipe).  Returns the exit status: 0, 1 failure, 2 usage. */
int album_main(int argc, char **argv);

#endif
