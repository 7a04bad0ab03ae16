using Microsoft.Extensions.Options;

namespace Blossom.Server;

/// <summary>How every settings section is registered: bound from its section and checked at start-up, so a bad setting stops the server before it serves.</summary>
internal static class SettingsRegistration
{
    public static OptionsBuilder<TOptions> AddSettings<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddSettings<TOptions>(section);
    }

    /// <summary>A section whose every value is valid (a closed set is an enum, which binding checks).</summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions>(this IServiceCollection services, string section) where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
}
