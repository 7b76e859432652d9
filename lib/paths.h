/* Where the programs find the scenario catalogue, each other and probe's helpers at run time,
 * whether they run from the build tree or from an installed tree (docs/install.md). */
#ifndef SP_PATHS_H
#define SP_PATHS_H

#include <stddef.h>

/* Big enough for any path these functions return (PATH_MAX). */
#define PATHS_MAX 4096

/* The directory that holds the running program, from /proc/self/exe. Returns 0, -errno, or
 * SP_ENOSPACE when it does not fit in out. */
int paths_self_dir(char *out, size_t outlen);

/* 1 when dir is the build tree's bin/ (where CMake builds the programs), else 0. */
int paths_is_build_bindir(const char *dir);

/* The directory of scenarios.conf for a program in self_dir: $STUBPROBE_DATADIR when set
 * and not empty; else the source tree's data/ when self_dir is the build tree's bin/; else
 * SP_REL_DATADIR from self_dir (../share/stubprobe); else, when self_dir is NULL (unknown),
 * the configured install directory. Returns 0 or SP_ENOSPACE. */
int paths_datadir_from(const char *self_dir, char *out, size_t outlen);

/* The directory of fakens and sniff: $STUBPROBE_BINDIR when set and not empty; else self_dir;
 * else (NULL) the configured install directory. Returns 0 or SP_ENOSPACE. */
int paths_bindir_from(const char *self_dir, char *out, size_t outlen);

/* The same two for the running program (self_dir from paths_self_dir). */
int paths_datadir(char *out, size_t outlen);
int paths_bindir(char *out, size_t outlen);

/* The directory of probe's helper programs (musl-gai), given bindir from paths_bindir:
 * $STUBPROBE_LIBEXECDIR when set and not empty; else bindir itself when it is the build
 * tree's bin/; else SP_REL_LIBEXECDIR from bindir (../libexec/stubprobe) when that is a
 * directory; else bindir itself (a copied build bin/ keeps its helpers beside the programs).
 * Returns 0 or SP_ENOSPACE. */
int paths_helperdir(const char *bindir, char *out, size_t outlen);

/* dir joined with rel, "." and ".." resolved by name (no symbolic links are followed: dir is
 * expected to be canonical, as /proc/self/exe gives it); rel is taken as is when absolute.
 * Returns 0 or SP_ENOSPACE. */
int paths_join(const char *dir, const char *rel, char *out, size_t outlen);

#endif
