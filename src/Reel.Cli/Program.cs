using System.CommandLine;
using Reel.Cli;

var server = new Option<string?>("--server", "-s")
{
    Description = $"The Reel server (default: $REEL_SERVER, else the one you signed in to, else {ReelApi.DefaultServer})",
    Recursive = true,
};
var json = new Option<bool>("--json") { Description = "Print JSON for scripts instead of text for people", Recursive = true };
var root = new RootCommand("reel: upload videos to a Reel server and manage them. Exit codes: 0 ok, 2 usage, 3 refused by the server, 4 server unreachable, 5 processing failed, 6 sign-in needed, 130 interrupted.");
root.Options.Add(server);
root.Options.Add(json);
var commands = new Commands(server, json);
root.Subcommands.Add(commands.Upload());
root.Subcommands.Add(commands.List());
root.Subcommands.Add(commands.Status());
root.Subcommands.Add(commands.Remove());
root.Subcommands.Add(commands.Share());
root.Subcommands.Add(commands.Captions());
root.Subcommands.Add(commands.Login());
root.Subcommands.Add(commands.Logout());
root.Subcommands.Add(commands.WhoAmI());

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"reel: {error.Message}");
    Console.Error.WriteLine("Run 'reel --help' for usage.");
    return ExitCodes.Usage;
}
return await parsed.InvokeAsync();
