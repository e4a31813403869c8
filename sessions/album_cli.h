/* lathe — `lathe album ALBUM OUTDIR [...]` (DESIGN.md, command line): its own
 * arguments, the album's chains loaded from session files, and the
 * delivery written so that a failure or a signal leaves nothing half-made. */
#ifndef LATHE_ALBUM_CLI_H
#define LATHE_ALBUM_CLI_H

/* argv[1] is "album".  Returns the exit status: 0, 1 failure, 2 usage. */
int album_main(int argc, char **argv);

#endif
