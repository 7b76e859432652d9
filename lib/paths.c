/* Run-time paths: the build tree's when a program runs from it, else relative to the program. */
#define _GNU_SOURCE
#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "sp_config.h"

static int copy_out(const char *s, char *out, size_t outlen)
{
	if (!outlen || strlen(s) >= outlen)
		return SP_ENOSPACE;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static const char *env_dir(const char *name)
{
	const char *v = getenv(name);
	return v && v[0] ? v : NULL;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int paths_join(const char *dir, const char *rel, char *out, size_t outlen)
{
	char whole[2 * PATHS_MAX + 2];
	int n = rel[0] == '/' ? snprintf(whole, sizeof(whole), "%s", rel)
			      : snprintf(whole, sizeof(whole), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(whole) || !outlen)
		return SP_ENOSPACE;
	int absolute = whole[0] == '/';
	size_t len = 0;   /* of out, built one component at a time */
	size_t fixed = 0; /* leading part that ".." may not remove: "/" or "../.." */
	if (absolute) {
		if (outlen < 2)
			return SP_ENOSPACE;
		out[len++] = '/';
		fixed = 1;
	}
	for (char *save = NULL, *c = strtok_r(whole, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0 && len > fixed) {
			while (len > fixed && out[len - 1] != '/')
				len--;
			if (len > fixed) /* the separator before the removed component */
				len--;
			continue;
		}
		if (strcmp(c, "..") == 0 && absolute)
			continue; /* "/.." is "/" */
		size_t clen = strlen(c), sep = len > 0 && out[len - 1] != '/';
		if (len + sep + clen >= outlen)
			return SP_ENOSPACE;
		if (sep)
			out[len++] = '/';
		memcpy(out + len, c, clen);
		len += clen;
		if (strcmp(c, "..") == 0)
			fixed = len; /* a relative path climbing out of its start keeps the climb */
	}
	if (len == 0) {
		if (outlen < 2)
			return SP_ENOSPACE;
		out[len++] = '.';
	}
	out[len] = 0;
	return 0;
}

int paths_self_dir(char *out, size_t outlen)
{
	char self[PATHS_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	if (n == 0 || (size_t)n >= sizeof(self) - 1)
		return SP_ENOSPACE;
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	if (slash == self)
		slash++; /* a program in / itself */
	*slash = 0;
	return copy_out(self, out, outlen);
}

int paths_is_build_bindir(const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	/* Both resolved: the build tree may be reached through a symbolic link. A build tree
	 * that is gone matches nothing. */
	if (!dir || !realpath(dir, a) || !realpath(SP_BUILD_BINDIR, b))
		return 0;
	return strcmp(a, b) == 0;
}

int paths_datadir_from(const char *self_dir, char *out, size_t outlen)
{
	const char *env = env_dir("STUBPROBE_DATADIR");
	if (env)
		return copy_out(env, out, outlen);
	if (!self_dir)
		return copy_out(SP_INSTALL_DATADIR, out, outlen);
	if (paths_is_build_bindir(self_dir))
		return copy_out(SP_DATADIR, out, outlen);
	return paths_join(self_dir, SP_REL_DATADIR, out, outlen);
}

int paths_bindir_from(const char *self_dir, char *out, size_t outlen)
{
	const char *env = env_dir("STUBPROBE_BINDIR");
	if (env)
		return copy_out(env, out, outlen);
	return copy_out(self_dir ? self_dir : SP_INSTALL_BINDIR, out, outlen);
}

int paths_datadir(char *out, size_t outlen)
{
	char self[PATHS_MAX];
	return paths_datadir_from(paths_self_dir(self, sizeof(self)) == 0 ? self : NULL, out,
				  outlen);
}

int paths_bindir(char *out, size_t outlen)
{
	char self[PATHS_MAX];
	return paths_bindir_from(paths_self_dir(self, sizeof(self)) == 0 ? self : NULL, out,
				 outlen);
}

int paths_helperdir(const char *bindir, char *out, size_t outlen)
{
	const char *env = env_dir("STUBPROBE_LIBEXECDIR");
	if (env)
		return copy_out(env, out, outlen);
	if (paths_is_build_bindir(bindir))
		return copy_out(bindir, out, outlen);
	char rel[PATHS_MAX];
	if (paths_join(bindir, SP_REL_LIBEXECDIR, rel, sizeof(rel)) == 0 && is_dir(rel))
		return copy_out(rel, out, outlen);
	return copy_out(bindir, out, outlen);
}
