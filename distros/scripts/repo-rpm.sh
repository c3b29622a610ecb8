# repo-rpm.sh: sourced by release's repo.sh for each rpm repository, with
# r (the repository's directory), pkgs (the directory of its .rpms) and fpr
# set, and gpgs to sign with when fpr is not empty. It makes the rpms
# (signed with rpmsign) plus repodata/ (createrepo_c) and repomd.xml.asc.
# shellcheck shell=sh disable=SC2154 # set by repo.sh, which sources this

cp "$pkgs"/*.rpm "$r/"
if [ -n "$fpr" ]; then
	# Debian's rpm looks for gpg2 by default.
	rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $fpr" \
		--define "_gpg_sign_cmd_extra_args --batch --pinentry-mode error" --addsign "$r"/*.rpm
fi
# After signing: the repodata records the signed files' checksums.
createrepo_c --quiet "$r"
if [ -n "$fpr" ]; then
	gpgs --armor --detach-sign -o "$r/repodata/repomd.xml.asc" "$r/repodata/repomd.xml"
fi
echo "$me: rpm repository ${r#"$out"/}"
