// The tests read the API's answers into the server's own DTOs: one contract, not a hand-kept copy that drifts from it.
// The aliases keep the names the tests were written with.
global using OwnerJson = Reel.Server.Features.Videos.OwnerDto;
global using AudioTrackJson = Reel.Server.Features.Videos.AudioTrackDto;
global using RenditionJson = Reel.Server.Features.Videos.RenditionDto;
global using SessionJson = Reel.Server.Features.Auth.SessionDto;
global using UserJson = Reel.Server.Features.Auth.UserDto;
global using VideoErrorJson = Reel.Server.Features.Videos.VideoErrorDto;
global using VideoJson = Reel.Server.Features.Videos.VideoDto;
global using VideoPageJson = Reel.Server.Features.Videos.VideoPage;
