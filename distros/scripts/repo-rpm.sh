# repo-rpm.sh: sourced by release's repo.sh for each rpm repository, with
# r (the repository's directory), pkgs (this release's .rpm and .src.rpm),
# kept (what earlier releases published there, as they were; maybe
# missing) and fpr set, and gpgs to sign with when fpr is not empty. It
# makes the rpms (the new ones signed with rpmsign; the kept ones are
# already signed, and signing again would change published files) plus
# repodata/ (createrepo_c) and repomd.xml.asc, and the source rpms in
# SRPMS/, a repository of its own (dnf download --source reads it).
# shellcheck shell=sh disable=SC2154 # set by repo.sh, which sources this

new=$(mktemp -d)
for f in "$pkgs"/*.rpm; do
	[ -f "$f" ] || continue
	cp "$f" "$new/"
done
if [ -n "$fpr" ] && ls "$new"/*.rpm >/dev/null 2>&1; then
	# Debian's rpm looks for gpg2 by default.
	rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $fpr" \
		--define "_gpg_sign_cmd_extra_args --batch --pinentry-mode error" --addsign "$new"/*.rpm
fi
# place DIR: the rpms of DIR where they belong: source rpms in SRPMS/.
place() {
	for f in "$1"/*.rpm; do
		[ -f "$f" ] || continue
		case $f in
		*.src.rpm) mkdir -p "$r/SRPMS" && cp -p "$f" "$r/SRPMS/" ;;
		*) cp -p "$f" "$r/" ;;
		esac
	done
}
place "$kept"
place "$new"
rm -rf "$new"
# After signing: the repodata records the signed files' checksums.
createrepo_c --quiet --excludes '*.src.rpm' "$r"
if [ -n "$fpr" ]; then
	gpgs --armor --detach-sign -o "$r/repodata/repomd.xml.asc" "$r/repodata/repomd.xml"
fi
if [ -d "$r/SRPMS" ]; then
	createrepo_c --quiet "$r/SRPMS"
	if [ -n "$fpr" ]; then
		gpgs --armor --detach-sign -o "$r/SRPMS/repodata/repomd.xml.asc" "$r/SRPMS/repodata/repomd.xml"
	fi
fi
echo "$me: rpm repository ${r#"$out"/}: $(find "$pkgs" -name '*.rpm' | wc -l) rpm(s) added, $(find "$kept" -name '*.rpm' 2>/dev/null | wc -l) kept"
