namespace Blossom.Server;

/// <summary>Reports (BUD-09) and the operator API that reviews them, blocks and removes.</summary>
internal static class ModerationModule
{
    public static WebApplicationBuilder AddBlossomModeration(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<AdminOptions, AdminOptionsValidator>(AdminOptions.Section);
        return builder;
    }

    public static WebApplication MapBlossomModeration(this WebApplication app)
    {
        app.MapReportEndpoints();
        app.MapAdminEndpoints();
        app.MapAdminStatusEndpoints();
        return app;
    }
}
