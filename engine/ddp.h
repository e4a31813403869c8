/* lathe — a DDP 2.0 fileset of an album's CD image: what plants take
 * instead of a physical CD master.  No Debian library writes DDP (the
 * format is Doug Carson & Associates' Disc Description Protocol; only
 * commercial mastering tools write it), so the records are written here by
 * hand from the DDP 2.00 layout:
 *
 *   DDPID       128 bytes: "DDP 2.00", the UPC/EAN, disc type
 *   DDPMS       one 128-byte "VVVM" map packet per stream: the main data
 *               (D0, CD-DA, IMAGE.DAT), the PQ descriptor (S0, "PQ DESCR")
 *               and CD-TEXT (S0, "CDTEXT")
 *   PQDESCR     one 64-byte "VVVS" packet per index: track, index, absolute
 *               disc time mm:ss:ff (the 2-s pregap included: track 1 INDEX
 *               00 at 00:00:00, INDEX 01 at 00:02:00), control, ISRC, UPC;
 *               the lead-out as track AA
 *   IMAGE.DAT   the CD image: 16-bit stereo, big-endian (the byte order of
 *               DDP audio streams), sample for sample the CUE's WAV image,
 *               starting at disc sector 150 (DSS), after the 2-s pregap
 *   CDTEXT.BIN  CD-TEXT block 0 (English, ISO 8859-1) in 18-byte packs:
 *               0x80 titles, 0x81 performers, 0x8f size information, each
 *               pack with its CRC-16 (x^16 + x^12 + x^5 + 1, inverted), as
 *               the Red Book CD-TEXT annex and MMC-3 Annex J define them
 *   CHECKSUM.MD5  md5sum-format lines for every file above (`md5sum -c` reads it)
 *
 * Not RT code. */
#ifndef LATHE_DDP_H
#define LATHE_DDP_H

#include "album.h"
#include "cdimage.h"

/* Writes the fileset into dir (which must exist).  0, or -1 with err. */
int ddp_write(const char *dir, const album *a, const cdimage *c, char *err, int errlen);

#endif
