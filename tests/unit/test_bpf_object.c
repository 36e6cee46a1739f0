// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BPF object the binary embeds (build/bindsnoop.skel.h): one object for
 * every kernel, without DWARF, with the BTF and CO-RE relocations that let
 * it load anywhere, and every reporting program with its twin without the
 * holder walk (bpf/bindsnoop.bpf.c) that kernels before 5.17 load.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "unit.h"
#include "bindsnoop.h"
#include "bindsnoop.skel.h"

/* The section named name in the embedded ELF image, or NULL. */
static const Elf64_Shdr *section_named(const unsigned char *image, size_t size, const char *name)
{
	const Elf64_Ehdr *header = (const void *)image;
	const Elf64_Shdr *sections = (const void *)(image + header->e_shoff);
	const char *names;

	if (size < sizeof(*header) || header->e_shoff + header->e_shnum * sizeof(*sections) > size)
		return NULL;
	names = (const char *)image + sections[header->e_shstrndx].sh_offset;
	for (int i = 0; i < header->e_shnum; i++)
		if (!strcmp(names + sections[i].sh_name, name))
			return &sections[i];
	return NULL;
}

static size_t sections_starting(const unsigned char *image, const char *prefix)
{
	const Elf64_Ehdr *header = (const void *)image;
	const Elf64_Shdr *sections = (const void *)(image + header->e_shoff);
	const char *names = (const char *)image + sections[header->e_shstrndx].sh_offset;
	size_t count = 0;

	for (int i = 0; i < header->e_shnum; i++)
		count += !strncmp(names + sections[i].sh_name, prefix, strlen(prefix));
	return count;
}

static void test_embedded_object_has_no_dwarf(void)
{
	size_t size;
	const unsigned char *image = bindsnoop_bpf__elf_bytes(&size);

	CHECK(size > sizeof(Elf64_Ehdr) && !memcmp(image, ELFMAG, SELFMAG));
	CHECK_INT(sections_starting(image, ".debug_"), 0);
	CHECK_INT(sections_starting(image, ".rel.debug_"), 0);
	/* BTF and its extension (CO-RE relocations, func and line info) stay. */
	CHECK(section_named(image, size, ".BTF") != NULL);
	CHECK(section_named(image, size, ".BTF.ext") != NULL);
}

static bool has_program(struct bpf_object *obj, const char *name)
{
	return bpf_object__find_program_by_name(obj, name) != NULL;
}

static void test_reporting_programs_come_in_pairs(void)
{
	static const char suffix[] = "_no_walk";
	size_t size, pairs = 0;
	const void *image = bindsnoop_bpf__elf_bytes(&size);
	struct bpf_object *obj = bpf_object__open_mem(image, size, NULL);
	struct bpf_program *prog;

	CHECK(obj != NULL);
	if (!obj)
		return;
	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		size_t len = strlen(name);
		char twin[128];

		if (len <= strlen(suffix) || strcmp(name + len - strlen(suffix), suffix))
			continue;
		snprintf(twin, sizeof(twin), "%.*s", (int)(len - strlen(suffix)), name);
		CHECK(has_program(obj, twin));
		pairs++;
	}
	/* sys_exit, five fexit and five kretprobe binds/listens, three autobind hooks each. */
	CHECK_INT(pairs, 1 + 2 * (5 + 3));
	CHECK(has_program(obj, "tp_enter_bind") && has_program(obj, "fentry_inet_bind"));
	bpf_object__close(obj);
}

int main(void)
{
	test_embedded_object_has_no_dwarf();
	test_reporting_programs_come_in_pairs();
	return unit_summary();
}
