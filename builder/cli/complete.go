package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/session"
)

// completeDistro makes --distro complete the target names and distros of
// the matrix -f names (shells ask through cobra's __complete).
func completeDistro(c *cobra.Command) {
	c.RegisterFlagCompletionFunc("distro", func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		file, _ := c.Flags().GetString("file")
		_, targets, err := session.Select(session.Config{File: file})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, t := range targets {
			for _, s := range []string{t.Name, t.Distro} {
				if strings.HasPrefix(s, prefix) && !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}
