namespace Blossom.Core.Media;

/// <summary>The blurhash encoding (https://blurha.sh): a few DCT components of a small picture in base 83.</summary>
public static class Blurhash
{
    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

    /// <summary>Encodes packed 8-bit sRGB pixels (3 bytes each, rows top to bottom).</summary>
    public static string Encode(ReadOnlySpan<byte> rgb, int width, int height, int componentsX, int componentsY)
    {
        if (componentsX is < 1 or > 9 || componentsY is < 1 or > 9)
            throw new ArgumentOutOfRangeException(nameof(componentsX), "Components must be 1 to 9.");
        if (rgb.Length < width * height * 3)
            throw new ArgumentException("Fewer bytes than width x height x 3.", nameof(rgb));

        var factors = new (double R, double G, double B)[componentsX * componentsY];
        for (var j = 0; j < componentsY; j++)
        {
            for (var i = 0; i < componentsX; i++)
            {
                double r = 0, g = 0, b = 0;
                for (var y = 0; y < height; y++)
                {
                    var cosY = Math.Cos(Math.PI * j * y / height);
                    for (var x = 0; x < width; x++)
                    {
                        var basis = Math.Cos(Math.PI * i * x / width) * cosY;
                        var at = (y * width + x) * 3;
                        r += basis * SrgbToLinear(rgb[at]);
                        g += basis * SrgbToLinear(rgb[at + 1]);
                        b += basis * SrgbToLinear(rgb[at + 2]);
                    }
                }
                var scale = (i == 0 && j == 0 ? 1.0 : 2.0) / (width * height);
                factors[j * componentsX + i] = (r * scale, g * scale, b * scale);
            }
        }

        var hash = new System.Text.StringBuilder();
        Append(hash, componentsX - 1 + (componentsY - 1) * 9, 1);
        double maximum = 1;
        if (factors.Length > 1)
        {
            var actualMaximum = factors.Skip(1).Max(f => Math.Max(Math.Abs(f.R), Math.Max(Math.Abs(f.G), Math.Abs(f.B))));
            var quantised = (int)Math.Max(0, Math.Min(82, Math.Floor(actualMaximum * 166 - 0.5)));
            maximum = (quantised + 1) / 166.0;
            Append(hash, quantised, 1);
        }
        else
        {
            Append(hash, 0, 1);
        }
        var dc = factors[0];
        Append(hash, (LinearToSrgb(dc.R) << 16) + (LinearToSrgb(dc.G) << 8) + LinearToSrgb(dc.B), 4);
        foreach (var (r, g, b) in factors.Skip(1))
            Append(hash, QuantiseAc(r, maximum) * 19 * 19 + QuantiseAc(g, maximum) * 19 + QuantiseAc(b, maximum), 2);
        return hash.ToString();
    }

    private static int QuantiseAc(double value, double maximum) =>
        (int)Math.Max(0, Math.Min(18, Math.Floor(Math.CopySign(Math.Pow(Math.Abs(value / maximum), 0.5), value) * 9 + 9.5)));

    private static double SrgbToLinear(byte value)
    {
        var v = value / 255.0;
        return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
    }

    private static int LinearToSrgb(double value)
    {
        var v = Math.Clamp(value, 0, 1);
        return v <= 0.0031308 ? (int)(v * 12.92 * 255 + 0.5) : (int)((1.055 * Math.Pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
    }

    private static void Append(System.Text.StringBuilder hash, int value, int length)
    {
        for (var i = 1; i <= length; i++)
            hash.Append(Digits[value / (int)Math.Pow(83, length - i) % 83]);
    }
}
