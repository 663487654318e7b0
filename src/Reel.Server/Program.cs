using Reel.Server;

var app = await ReelApp.BuildAsync(args);
await app.RunAsync();
