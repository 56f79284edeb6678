/*
 * The wl_shm.format table against wayland.xml itself (path in argv[1]):
 * every enum entry must be in the table, and wherever the entry's summary
 * states a size ("32-bit", "[15:0]", "2 plane") the table must agree.
 */
#include <stdlib.h>
#include <string.h>
#include <wayland-client-protocol.h>

#include "shm_format.h"
#include "testlib.h"

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size + 1);
	if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[size] = '\0';
	fclose(f);
	return buf;
}

/* Copies attribute attr of the tag starting at tag (up to its '>'). */
static bool
attribute(const char *tag, const char *attr, char *out, size_t len)
{
	const char *end = strchr(tag, '>');
	char key[64];

	snprintf(key, sizeof(key), " %s=\"", attr);
	const char *p = strstr(tag, key);
	if (!p || (end && p > end))
		return false;
	p += strlen(key);
	const char *q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= len)
		return false;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

/*
 * Bytes per pixel as the summary states it, -1 if it does not say.
 * "[31:0] Cr0:Y1:Cb0:Y0" is one word for two pixels (Y0 and Y1).
 */
static int
bpp_from_summary(const char *s, bool *paired)
{
	int bits;

	*paired = false;
	if (strstr(s, "plane") || strstr(s, "subsampled") || strstr(s, "Y3"))
		return 0;
	if (sscanf(s, "%d-bit", &bits) == 1 && bits % 8 == 0)
		return bits / 8;
	const char *word = strchr(s, '[');
	if (word && sscanf(word, "[%d:0]", &bits) == 1 && (bits + 1) % 8 == 0) {
		*paired = strstr(s, "Y1") != NULL;
		return (bits + 1) / 8 / (*paired ? 2 : 1);
	}
	return -1;
}

static void
check_entry(const char *name, uint32_t value, const char *summary,
	    int *stated)
{
	unsigned bpp = shm_format_bytes_per_pixel(value);
	unsigned block = shm_format_block_width(value);
	bool paired;

	if (!shm_format_is_known(value)) {
		fprintf(stderr, "wl_shm.format %s (0x%08x) not in the table\n",
			name, value);
		CHECK(shm_format_is_known(value));
		return;
	}
	CHECK(bpp == 0 || bpp == 1 || bpp == 2 || bpp == 3 || bpp == 4 ||
	      bpp == 8);
	CHECK((bpp == 0) == (block == 0));

	int want = bpp_from_summary(summary, &paired);
	if (want < 0)
		return;
	(*stated)++;
	if ((int)bpp != want || (want && block != (paired ? 2u : 1u))) {
		fprintf(stderr, "%s: table says %u bytes (block %u), summary "
			"\"%s\" says %d%s\n", name, bpp, block, summary, want,
			paired ? " (paired)" : "");
		test_failures++;
	}
}

static void
test_table_covers_wayland_xml(const char *path)
{
	char *xml = read_file(path);
	int entries = 0, stated = 0;

	CHECK(xml != NULL);
	if (!xml)
		return;
	char *p = strstr(xml, "<interface name=\"wl_shm\"");
	p = p ? strstr(p, "<enum name=\"format\"") : NULL;
	char *end = p ? strstr(p, "</enum>") : NULL;
	CHECK(p && end);

	while (p && (p = strstr(p + 1, "<entry ")) && p < end) {
		char name[64], value[32], summary[256] = "";
		if (!attribute(p, "name", name, sizeof(name)) ||
		    !attribute(p, "value", value, sizeof(value))) {
			CHECK(!"unparsable entry");
			continue;
		}
		attribute(p, "summary", summary, sizeof(summary));
		check_entry(name, (uint32_t)strtoul(value, NULL, 0), summary,
			    &stated);
		entries++;
	}
	/* Libwayland 1.21's list has 105 entries; far fewer means the
	 * parse went wrong, not that the table is right. */
	CHECK(entries >= 100);
	CHECK(stated >= 70);
	printf("%d wl_shm formats in %s, %d with a size in the summary\n",
	       entries, path, stated);
	free(xml);
}

static void
test_known_values(void)
{
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_ARGB8888), 4);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_XRGB8888), 4);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_RGB565), 2);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_BGR888), 3);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_C8), 1);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_ABGR16161616F), 8);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_NV12), 0);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_YUV420), 0);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_XRGB8888_A8), 0);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_YUYV), 2);
	CHECK_EQ(shm_format_block_width(WL_SHM_FORMAT_YUYV), 2);
	CHECK_EQ(shm_format_block_width(WL_SHM_FORMAT_ARGB8888), 1);
	CHECK_EQ(shm_format_bytes_per_pixel(WL_SHM_FORMAT_Y216), 4);
	CHECK_EQ(shm_format_block_width(WL_SHM_FORMAT_Y216), 2);

	/* Newer than libwayland 1.21: r10, c1 by fourcc. */
	CHECK(shm_format_is_known(0x20303152));
	CHECK_EQ(shm_format_bytes_per_pixel(0x20303152), 2);
	CHECK(shm_format_is_known(0x20203143));
	CHECK_EQ(shm_format_bytes_per_pixel(0x20203143), 0);

	CHECK(!shm_format_is_known(0x12345678));
	CHECK_EQ(shm_format_bytes_per_pixel(0x12345678), 0);
	CHECK_EQ(shm_format_block_width(0x12345678), 0);
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s path/to/wayland.xml\n", argv[0]);
		return 2;
	}
	test_table_covers_wayland_xml(argv[1]);
	test_known_values();
	TEST_EXIT();
}
