# repo-deb.sh: sourced by release's repo.sh for each apt repository, with
# r (the repository's directory), pkgs (this release's files: .deb,
# .changes, .buildinfo, and the source package, .dsc and tarballs), kept
# (what earlier releases published there, as they were; maybe missing),
# suite, origin and fpr set, and gpgs to sign with when fpr is not empty.
# It makes pool/main (the kept files, then the new ones, .dsc and .changes
# clear-signed) plus dists/SUITE/ with Packages and Sources (and .gz) and
# Release (apt-ftparchive), signed as InRelease and Release.gpg.
# shellcheck shell=sh disable=SC2154 # set by repo.sh, which sources this

mkdir -p "$r/pool/main"
for f in "$kept"/*; do
	[ -f "$f" ] || continue
	cp -p "$f" "$r/pool/main/"
done
for f in "$pkgs"/*; do
	[ -f "$f" ] || continue
	case $f in
	*.dsc | *.changes)
		if [ -n "$fpr" ]; then
			gpgs --clearsign -o "$r/pool/main/${f##*/}" "$f"
			continue
		fi
		;;
	esac
	cp "$f" "$r/pool/main/"
done
archs=$(for f in "$r"/pool/main/*.deb; do dpkg-deb -f "$f" Architecture; done | sort -u | grep -vx all || true)
[ -n "$archs" ] || archs=$(dpkg --print-architecture)
for a in $archs; do
	d=$r/dists/$suite/main/binary-$a
	mkdir -p "$d"
	# --arch: this architecture's packages and the _all ones.
	(cd "$r" && apt-ftparchive --arch "$a" packages pool/main) >"$d/Packages"
	gzip -9nc "$d/Packages" >"$d/Packages.gz"
done
if ls "$r"/pool/main/*.dsc >/dev/null 2>&1; then
	d=$r/dists/$suite/main/source
	mkdir -p "$d"
	(cd "$r" && apt-ftparchive sources pool/main) >"$d/Sources"
	gzip -9nc "$d/Sources" >"$d/Sources.gz"
fi
archlist=$(echo "$archs" | tr '\n' ' ' | sed 's/ *$//')
(cd "$r" && apt-ftparchive \
	-o "APT::FTPArchive::Release::Origin=$origin" -o "APT::FTPArchive::Release::Label=$origin" \
	-o "APT::FTPArchive::Release::Suite=$suite" -o "APT::FTPArchive::Release::Codename=$suite" \
	-o "APT::FTPArchive::Release::Architectures=$archlist" -o "APT::FTPArchive::Release::Components=main" \
	release "dists/$suite") >/release/Release.tmp
mv /release/Release.tmp "$r/dists/$suite/Release"
if [ -n "$fpr" ]; then
	gpgs --clearsign -o "$r/dists/$suite/InRelease" "$r/dists/$suite/Release"
	gpgs --armor --detach-sign -o "$r/dists/$suite/Release.gpg" "$r/dists/$suite/Release"
fi
echo "$me: apt repository ${r#"$out"/}, suite $suite, architectures $archlist: $(find "$pkgs" -type f | wc -l) file(s) added, $(find "$kept" -type f 2>/dev/null | wc -l) kept"
