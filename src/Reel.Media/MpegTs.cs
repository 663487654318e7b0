namespace Reel.Media;

/// <summary>Just enough of MPEG-TS to read where a segment's timestamps start.</summary>
public static class MpegTs
{
    /// <summary>The size of every transport stream packet.</summary>
    public const int PacketSize = 188;
    private const byte SyncByte = 0x47;

    /// <summary>How much of a segment <see cref="FirstPts"/> needs: the first packets of each stream are near its start.</summary>
    public const int HeadBytes = 64 * 1024;

    /// <summary>
    /// The earliest presentation timestamp (90 kHz) among the PES packets that start in <paramref name="head"/>, the first
    /// bytes of a segment; null when there is none. This is the MPEG-TS time of the segment's media time 0, which a
    /// WebVTT rendition's X-TIMESTAMP-MAP must name (ffmpeg's muxer starts at 1.4 s, 126000, not at 0).
    /// </summary>
    public static long? FirstPts(ReadOnlySpan<byte> head)
    {
        long? earliest = null;
        for (var at = 0; at + PacketSize <= head.Length; at += PacketSize)
        {
            var packet = head.Slice(at, PacketSize);
            if (packet[0] != SyncByte) return earliest;
            var payloadStart = (packet[1] & 0x40) != 0;
            var adaptation = (packet[3] >> 4) & 0x3;
            if (!payloadStart || (adaptation & 0x1) == 0) continue;
            var offset = 4;
            if ((adaptation & 0x2) != 0) offset += 1 + packet[4];
            if (offset + 14 > PacketSize) continue;
            var pes = packet[offset..];
            // A PES header (00 00 01, stream id) whose flags say a PTS follows; the PAT, PMT and other tables have none.
            if (pes[0] != 0 || pes[1] != 0 || pes[2] != 1 || (pes[7] & 0x80) == 0) continue;
            var pts = ((long)(pes[9] & 0x0E) << 29) | ((long)pes[10] << 22) | ((long)(pes[11] & 0xFE) << 14)
                | ((long)pes[12] << 7) | ((long)pes[13] >> 1);
            if (earliest is null || pts < earliest) earliest = pts;
        }
        return earliest;
    }
}
